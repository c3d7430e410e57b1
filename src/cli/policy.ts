import type { Command } from "commander";
import { CLAUSES, type ClauseHow } from "../policy/clauses.js";
import { type ClauseCoverage, clauseCoverage } from "../policy/mapping.js";
import { rules } from "../policy/rules/index.js";
import { wrap } from "../report/text.js";
import { writeReport } from "./output.js";
import { formatOf, formatOption, jsonAliasOption, outputOption } from "./report-options.js";

/** One clause as `amigate policy --json` prints it (a stable shape: add fields, never rename). */
export interface PolicyClause {
  id: string;
  section: string;
  text: string;
  /** How the clause can be judged, from CLAUSES.md: image, meta, attest, fix, catalogue. */
  how: ClauseHow[];
  howDetail: string;
  coveredBy: Array<ClauseCoverage["coveredBy"][number] & { severity?: string }>;
}

/** Every clause of CLAUSES.md, in its order, with what covers it. */
export function policyClauses(): PolicyClause[] {
  const coverage = new Map(clauseCoverage().map((c) => [c.clause, c.coveredBy]));
  const severity = new Map(rules.map((r) => [r.id, r.severity]));
  return CLAUSES.map((clause) => ({
    id: clause.id,
    section: clause.section,
    text: clause.text,
    how: [...clause.how],
    howDetail: clause.howDetail,
    coveredBy: (coverage.get(clause.id) ?? []).map((item) =>
      item.kind === "rule" && severity.has(item.id) ? { ...item, severity: severity.get(item.id)! } : item,
    ),
  }));
}

const KIND_LABEL: Record<PolicyClause["coveredBy"][number]["kind"], string> = {
  rule: "rule",
  metadata: "listing check",
  attestation: "statement",
  catalogue: "catalogue",
};

/** Wrapped text whose first line starts with `first` and later lines with `indent`. */
function hanging(first: string, text: string, indent: string, width: number): string[] {
  const lines = wrap(text, width - Math.max(0, first.length - indent.length), indent);
  return lines.map((l, i) => (i === 0 ? first + l.slice(indent.length) : l));
}

export function renderPolicyText(clauses: readonly PolicyClause[], width = 100): string {
  const out: string[] = [];
  let section = "";
  for (const c of clauses) {
    if (c.section !== section) {
      section = c.section;
      out.push(...(out.length ? [""] : []), section, "─".repeat(Math.min(width, section.length)));
    }
    out.push(...hanging(`${c.id.padEnd(6)} `, c.text, "       ", width));
    if (c.howDetail) out.push(...wrap(`judged from: ${c.howDetail}`, width, "       "));
    for (const item of c.coveredBy) {
      const head = `${KIND_LABEL[item.kind]} ${item.id}${item.severity ? ` (${item.severity})` : ""}`;
      out.push(...hanging("     • ", `${head}: ${item.title}`, "         ", width));
    }
    if (c.coveredBy.length === 0) out.push("     • NOT COVERED YET");
  }
  return `${out.join("\n")}\n`;
}

export function registerPolicy(program: Command): void {
  program
    .command("policy")
    .description("List every policy clause and the rules, listing checks and statements that cover it")
    .addOption(formatOption(["text", "json"], "text"))
    .addOption(outputOption())
    .addOption(jsonAliasOption())
    .action(async (flags: { format: "text" | "json"; json?: boolean; output?: string }) => {
      const clauses = policyClauses();
      await writeReport(
        formatOf(flags) === "json" ? `${JSON.stringify(clauses, null, 2)}\n` : renderPolicyText(clauses),
        flags.output,
      );
    });
}
