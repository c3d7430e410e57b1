import type { Command } from "commander";
import { CLAUSES } from "../policy/clauses.js";
import { clauseCoverage } from "../policy/mapping.js";

export function registerPolicy(program: Command): void {
  program
    .command("policy")
    .description("List every policy clause and how amigate judges it")
    .option("--json", "machine-readable output")
    .action((flags: { json?: boolean }) => {
      const coverage = clauseCoverage();
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(coverage, null, 2)}\n`);
        return;
      }
      for (const clause of CLAUSES) {
        const c = coverage.find((x) => x.clause === clause.id)!;
        process.stdout.write(`${clause.id}  ${clause.text}\n`);
        for (const item of c.coveredBy) process.stdout.write(`    ${item.kind.padEnd(11)} ${item.id}  ${item.title}\n`);
        if (c.coveredBy.length === 0) process.stdout.write("    NOT COVERED\n");
      }
    });
}
