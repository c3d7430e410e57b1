import type { Finding, ScanResult } from "../policy/result.js";
import { atLeast, SEVERITIES, type Severity } from "../policy/severity.js";
import { groupBySeverity, isMultiRoot, locationOf, osName, type RuleGroup, visible } from "./common.js";
import { answerText, checkStatus, judgedFrom, statementCounts } from "./statements.js";

export interface TextOptions {
  /** ANSI colours; the CLI turns them off for files, pipes and NO_COLOR. */
  color: boolean;
  /** Wrap prose at this many columns. */
  width?: number;
  /** false: leave out the attestation list (`--no-attestations`); the header still counts it. */
  attestations?: boolean;
}

const SGR = {
  bold: "1",
  dim: "2",
  red: "31",
  green: "32",
  yellow: "33",
  blue: "34",
  magenta: "35",
  boldRed: "1;31",
  boldGreen: "1;32",
} as const;

const SEVERITY_COLOR: Record<Severity, keyof typeof SGR> = {
  critical: "boldRed",
  high: "red",
  medium: "yellow",
  low: "blue",
  info: "dim",
};

/** Greedy word wrap of one paragraph; words longer than the line stay whole. */
export function wrap(text: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/ +/)) {
    if (line !== "" && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") lines.push(indent + line);
  return lines;
}

/** A terminal report in the spirit of Trivy's table: verdict first, then findings by severity. */
export function renderText(result: ScanResult, options: TextOptions): string {
  const width = options.width ?? 100;
  const paint = (style: keyof typeof SGR, s: string) =>
    options.color ? `\x1b[${SGR[style]}m${s}\x1b[0m` : s;
  const out: string[] = [];
  const heading = (title: string, style: keyof typeof SGR = "bold") => {
    out.push("", paint(style, title), paint("dim", "─".repeat(Math.min(width, Math.max(title.length, 40)))));
  };
  const para = (text: string, indent: string) => out.push(...wrap(text, width, indent));
  const multiRoot = isMultiRoot(result);

  // Header: what was scanned, the verdict, the counts.
  const failing = result.findings.filter((f) => atLeast(f.severity, result.failOn)).length;
  out.push(paint("bold", `amigate ${result.tool.version} scan report`));
  out.push(`Target    ${visible(result.target.input)} (${visible(result.target.kind)})`);
  if (result.target.description && result.target.description !== result.target.input)
    para(visible(result.target.description), "          ");
  for (const note of result.target.notes) para(`note: ${visible(note)}`, "          ");
  if (result.roots.length === 0) out.push("OS        no OS root found");
  for (const [i, r] of result.roots.entries()) {
    out.push(`${i === 0 ? "OS        " : "          "}${visible(r.root)}  ${visible(osName(r.os))}`);
  }
  out.push(`Scanned   ${result.scannedAt}`);
  out.push(
    result.passed
      ? `Verdict   ${paint("boldGreen", "PASS")}  no finding at or above ${result.failOn} (--fail-on ${result.failOn})`
      : `Verdict   ${paint("boldRed", "FAIL")}  ${failing} finding${failing === 1 ? "" : "s"} at or above ${result.failOn} (--fail-on ${result.failOn})`,
  );
  const counts = SEVERITIES.map((s) => paint(SEVERITY_COLOR[s], `${s.toUpperCase()} ${result.summary[s]}`));
  out.push(`Findings  ${result.findings.length}: ${counts.join(", ")}`);
  out.push(
    `          ignored ${result.ignored.length}, needs your statement ${result.attestations.length}, ` +
      `judged from listing/registration ${result.metadataChecks.length}, unreadable ${result.unknowns.length}`,
  );

  const renderFinding = (f: Finding, extra?: string) => {
    const where = locationOf(f, multiRoot);
    out.push(`  • ${where !== undefined ? visible(where) : "(image-wide)"}`);
    para(visible(f.message), "      ");
    if (f.evidence !== undefined) out.push(`      evidence: ${visible(f.evidence)}`);
    if (extra !== undefined) para(extra, "      ");
  };
  const renderGroup = (g: RuleGroup, severity: Severity, extra?: (f: Finding) => string) => {
    out.push("");
    out.push(
      `${paint(SEVERITY_COLOR[severity], severity.toUpperCase())}  ${paint("bold", visible(g.rule.id))}  ` +
        `${visible(g.rule.title)}  ${paint("dim", `[${g.rule.clauses.join(", ")}]`)}`,
    );
    for (const f of g.findings) renderFinding(f, extra?.(f));
    para(`Remediation: ${visible(g.rule.remediation)}`, "  ");
    if (g.findings[0]?.fixable && g.findings[0].fix !== undefined)
      out.push(`  Fixable with ${paint("green", `\`amigate fix --only ${visible(g.findings[0].fix)}\``)}`);
  };

  if (result.findings.length === 0) {
    heading("Findings");
    out.push("No findings.");
  }
  for (const { severity, groups } of groupBySeverity(result, result.findings)) {
    heading(
      `${severity.toUpperCase()} (${groups.reduce((n, g) => n + g.findings.length, 0)})`,
      SEVERITY_COLOR[severity],
    );
    for (const g of groups) renderGroup(g, severity);
  }

  if (result.ignored.length > 0) {
    heading(`Ignored (${result.ignored.length}): accepted in the ignore file, not counted in the verdict`);
    for (const { severity, groups } of groupBySeverity(result, result.ignored)) {
      for (const g of groups) {
        renderGroup(
          g,
          severity,
          (f) => `ignored: ${visible((f as (typeof result.ignored)[number]).ignoreReason)}`,
        );
      }
    }
  }

  const { answered } = statementCounts(result.attestations);
  if (options.attestations === false) {
    out.push(
      "",
      paint("dim", `${result.attestations.length} attestation items not listed (--no-attestations)`),
    );
  } else {
    heading(
      answered === 0
        ? `Needs your statement (${result.attestations.length}): only the publisher can say`
        : `Publisher statements (${result.attestations.length}): ${answered} answered`,
    );
    for (const a of result.attestations) {
      out.push(`  ${paint("bold", a.id)}  ${paint("dim", `[${a.clauses.join(", ")}]`)}`);
      para(a.statement, "      ");
      const style = !a.answer ? "dim" : a.answer.answer === "no" ? "red" : "green";
      para(paint(style, visible(answerText(a))), "      ");
    }
  }

  heading(`Judged from listing/registration (${result.metadataChecks.length}): not from the image bytes`);
  for (const m of result.metadataChecks) {
    const style = m.status === "failed" ? "boldRed" : m.status === "passed" ? "green" : "dim";
    out.push(
      `  ${paint("bold", m.id)}  ${paint("dim", `[${m.clauses.join(", ")}] from the ${judgedFrom(m)}`)}  ${paint(style, checkStatus(m))}`,
    );
    para(m.check, "      ");
    for (const f of m.findings ?? [])
      out.push(
        `      • ${paint(SEVERITY_COLOR[f.severity], f.severity.toUpperCase())} ${visible(f.message)}`,
      );
  }

  if (result.notes.length > 0) {
    heading(`Not checked (${result.notes.length})`, "yellow");
    for (const n of result.notes) para(`• ${visible(n)}`, "  ");
  }

  heading(
    `Unknowns (${result.unknowns.length}): files that could not be read`,
    result.unknowns.length ? "yellow" : "bold",
  );
  if (result.unknowns.length === 0) out.push("  None: every file the rules asked for was read.");
  for (const u of result.unknowns) {
    out.push(`  • ${visible(u.path)}  ${paint("dim", `(${visible(u.source)})`)}`);
    para(visible(u.error), "      ");
  }
  return `${out.join("\n")}\n`;
}
