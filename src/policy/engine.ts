import { FactStore, type InspectOptions } from "../inspect/context.js";
import type { FactName, Facts } from "../inspect/facts.js";
import { inspectorsByName } from "../inspect/registry.js";
import { describeError } from "../io/errors.js";
import type { TargetRoot } from "../target/target.js";
import type { Finding } from "./result.js";
import { findingOf, type Rule } from "./rule.js";
import scanIncomplete from "./rules/scan-incomplete.js";

/** One OS root to judge: where it sits in the target, its image, and its disk when it has one. */
export type ScanRoot = TargetRoot;

/**
 * Runs rules over one root's facts, in order; each fact is computed once and shared. A rule whose
 * facts cannot be computed judged nothing: the failure is an unknown, and a scan-incomplete
 * finding when that rule runs (a worker that died must not leave an image full of passwords
 * passing).
 */
export async function evaluateRules(
  root: string,
  store: FactStore,
  rules: ReadonlyArray<Rule<FactName>>,
): Promise<Finding[]> {
  const findings: Finding[] = [];
  const incomplete = rules.find((r) => r.id === scanIncomplete.id);
  for (const rule of rules) {
    const facts: Partial<Facts> = {};
    try {
      for (const name of rule.facts) (facts as Record<string, unknown>)[name] = await store.get(name);
    } catch (e) {
      const reason = describeError(e);
      store.unknowns.push({ path: "/", error: reason, source: `rule ${rule.id}` });
      if (incomplete && rule !== incomplete)
        findings.push(
          findingOf(incomplete, { messageId: "ruleNotRun", data: { rule: rule.id, reason } }, root),
        );
      continue;
    }
    for (const draft of rule.check(facts as Facts)) findings.push(findingOf(rule, draft, root));
  }
  return findings;
}

/**
 * Runs rules over one root on facts of its own: rule tests (RuleTester) judge an image without a
 * scan around it. Scans go through src/scan/session.ts, one FactStore per root for the whole scan.
 */
export async function evaluateRoot(
  scanRoot: ScanRoot,
  options: { rules: ReadonlyArray<Rule<FactName>>; inspect: Partial<InspectOptions> },
): Promise<{ findings: Finding[]; facts: FactStore }> {
  const store = new FactStore(scanRoot.image, inspectorsByName, options.inspect, scanRoot.disk);
  return { findings: await evaluateRules(scanRoot.root, store, options.rules), facts: store };
}
