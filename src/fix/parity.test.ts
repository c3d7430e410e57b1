import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { before, describe, it } from "node:test";
import { collectRuleTables, imageFor, type RuleTable } from "../../test/support/rule-tester.js";
import { DEFAULT_INSPECT_OPTIONS } from "../inspect/context.js";
import { evaluateRoot } from "../policy/engine.js";
import type { Finding } from "../policy/result.js";
import { rules } from "../policy/rules/index.js";
import { DEFAULT_FIX_OPTIONS, type PlannedChange } from "./operation.js";
import { operations } from "./operations/index.js";
import { planFix } from "./planner.js";
import { applied } from "./testing.js";

/**
 * Fix parity: a finding the report calls fixable has an operation that plans a change where the
 * finding points, and `fix` removes nothing the scan did not report. Judged on every failing tree
 * of the RuleTester tables of rules that name a fix.
 */

/** Operations that clean what no rule judges (virt-sysprep's hygiene); their plans name every file. */
const CLEANUP_OPERATIONS: Record<string, string> = {
  "cloud-init-state": "cloud-init's per-instance state, so the next boot is a first boot",
  "dhcp-leases": "leases of the build host's network",
  logs: "logs of the build",
  "machine-id": "emptied so each instance makes its own",
  "package-cache": "downloaded packages and indexes",
  "tmp-files": "temporary files of the build",
};

/**
 * Operations that remedy a finding away from its path, by design: the finding names where a
 * setting wins, the operation writes one place that wins over all of them. The re-scan of the
 * applied plan proves each such finding gone.
 */
const ELSEWHERE: Record<string, string> = {
  "sshd-password-auth":
    "an unset PasswordAuthentication is reported at sshd_config; the setting is written where sshd reads it first",
  "cloud-init-ssh": "writes one cloud.cfg.d drop-in that sorts after every other file (later files win)",
};

/**
 * Findings a rule calls fixable that its operation does not remedy yet, by rule: the paths, and
 * why. The test fails when the list is wrong either way, so a gap closed is a line removed here.
 */
const KNOWN_GAPS: Record<string, { why: string; paths: string[] }> = {};

/** A removal that is not itself reported, and why that is right. */
function companion(change: PlannedChange, reported: ReadonlySet<string>): string | undefined {
  if (
    (change.operation === "private-keys" || change.operation === "ssh-host-keys") &&
    change.path.endsWith(".pub") &&
    reported.has(change.path.slice(0, -4))
  )
    return "the public half of a reported private key";
  return undefined;
}

const linked = rules.filter((r) => r.fix !== undefined);

/** Rule test files whose testRule tables belong to rules with a fix. */
function tableFiles(): string[] {
  const dir = new URL("../policy/rules/", import.meta.url);
  const wanted = new Set(linked.map((r) => r.id));
  return readdirSync(dir)
    .filter((f) => f.endsWith(".test.ts"))
    .filter((f) => {
      const text = readFileSync(new URL(f, dir), "utf8");
      return [...text.matchAll(/^import\s+\w+\s+from\s+"\.\/([\w-]+)\.js";/gm)].some((m) =>
        wanted.has(m[1]!),
      );
    })
    .map((f) => new URL(f, dir).href);
}

/** A finding as the re-scan would repeat it. */
const key = (f: Finding) => `${f.path ?? ""}\0${f.line ?? ""}\0${f.message}`;

function touches(change: PlannedChange, path: string): boolean {
  return change.path === path || path.startsWith(`${change.path}/`) || change.path.startsWith(`${path}/`);
}

describe("fix parity", () => {
  let tables: Map<string, RuleTable>;
  before(async () => {
    tables = await collectRuleTables(async () => {
      for (const href of tableFiles()) await import(href);
    });
  });

  it("every operation is named by a rule, or is a cleanup no rule judges", () => {
    const named = new Set(linked.map((r) => r.fix!));
    for (const op of operations)
      assert.ok(
        named.has(op.id) !== op.id in CLEANUP_OPERATIONS,
        `${op.id}: named by a rule or a cleanup, not both`,
      );
  });

  it("every rule with a fix has a table to judge it on", () => {
    assert.deepEqual(
      linked.map((r) => r.id).filter((id) => !tables.has(id)),
      [],
    );
  });

  for (const rule of linked) {
    it(`${rule.id}: its failing trees are remedied by the plan, which removes only what a rule reports`, async (t) => {
      const table = tables.get(rule.id);
      if (!table) return;
      const op = operations.find((o) => o.id === rule.fix);
      assert.ok(op, `operation ${rule.fix} exists`);
      const unremedied = new Set<string>();
      const strays: string[] = [];
      for (const c of table.invalid) {
        const inspect = { ...DEFAULT_INSPECT_OPTIONS, ...c.inspect };
        const disk = c.disk ? { disk: c.disk } : {};
        const { findings, facts } = await evaluateRoot(
          { root: "/", image: imageFor(c), ...disk },
          { rules, inspect },
        );
        const plan = await planFix(
          facts,
          DEFAULT_FIX_OPTIONS,
          operations.filter((o) => !(o.id in CLEANUP_OPERATIONS)),
        );
        const after = await evaluateRoot(
          { root: "/", image: imageFor({ ...c, changes: applied(c.changes, plan) }), ...disk },
          { rules: [rule], inspect },
        );
        const still = new Set(after.findings.map(key));
        // A finding the rule itself calls not fixable is outside its operation (checked below).
        for (const f of findings.filter((x) => x.rule === rule.id && x.fixable)) {
          const touched = f.path !== undefined && plan.changes.some((ch) => touches(ch, f.path!));
          if (still.has(key(f)) || !(touched || op.id in ELSEWHERE)) unremedied.add(f.path ?? "(image)");
        }
        for (const f of findings.filter((x) => x.rule === rule.id && !x.fixable))
          if (!still.has(key(f)))
            strays.push(`${c.name}: ${f.path ?? "(image)"} is called not fixable, yet the plan remedies it`);
        const reported = new Set(
          findings.map((f: Finding) => f.path).filter((p): p is string => p !== undefined),
        );
        for (const ch of plan.changes)
          if (
            (ch.action === "remove" || ch.action === "truncate") &&
            !reported.has(ch.path) &&
            !companion(ch, reported)
          )
            strays.push(`${c.name}: ${ch.operation} would ${ch.action} ${ch.path}, which no rule reports`);
      }
      t.diagnostic(`${table.invalid.length} failing trees`);
      assert.deepEqual(strays, []);
      assert.deepEqual([...unremedied].sort(), [...(KNOWN_GAPS[rule.id]?.paths ?? [])].sort());
    });
  }

  it("each known gap names a rule with a fix, and why", () => {
    for (const [id, gap] of Object.entries(KNOWN_GAPS)) {
      assert.ok(
        linked.some((r) => r.id === id),
        id,
      );
      assert.ok(gap.why.length > 0 && gap.paths.length > 0, id);
    }
  });
});
