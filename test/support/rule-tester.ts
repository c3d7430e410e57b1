import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import type { Image } from "../../src/fs/image.js";
import type { OverlayChange } from "../../src/fs/overlay.js";
import { DEFAULT_INSPECT_OPTIONS, type InspectOptions } from "../../src/inspect/context.js";
import type { FactName } from "../../src/inspect/facts.js";
import { evaluateRoot } from "../../src/policy/engine.js";
import type { Finding } from "../../src/policy/result.js";
import { type FindingDraft, messageOf, type Rule, type RuleMeta } from "../../src/policy/rule.js";
import type { DiskBootInfo } from "../../src/target/target.js";
import { debianImage, memoryImage, REPO_ROOT } from "./trees.js";

export interface RuleCase {
  name: string;
  /** Changes laid over the base tree (the Debian rootfs unless `base: "empty"`). */
  changes: Record<string, OverlayChange | string>;
  base?: "debian" | "empty";
  /** Inspect options for this case (a vulnerability DB, the scan date…) over the defaults. */
  inspect?: Partial<InspectOptions>;
  /** What the disk around the root says, for rules judged from it (a disk-image target). */
  disk?: DiskBootInfo;
}

export interface InvalidRuleCase extends RuleCase {
  /** The exact findings expected, in order (each field given is compared). */
  findings: Array<
    Partial<Pick<Finding, "path" | "line" | "severity" | "messageId" | "data" | "message" | "evidence">>
  >;
}

/**
 * Drafts as a reader compares them: each with its rendered `message` in place of its messageId and
 * data (for tests that call a rule's check directly).
 */
export function renderedDrafts(
  rule: RuleMeta,
  drafts: readonly FindingDraft[],
): Array<Omit<FindingDraft, "messageId" | "data"> & { message: string }> {
  return drafts.map((d) => {
    const {
      messageId: _id,
      data: _data,
      ...rest
    } = d as FindingDraft & { messageId?: string; data?: unknown };
    return { ...rest, message: messageOf(rule, d) };
  });
}

/** The tree a case describes: the Debian rootfs (or nothing) with the case's changes on top. */
export function imageFor(c: RuleCase): Image {
  return c.base === "empty" ? memoryImage(c.changes) : debianImage(c.changes);
}

/** Runs one rule over the case's tree with the case's options and disk. */
function evaluate(rule: Rule<FactName>, c: RuleCase) {
  return evaluateRoot(
    { root: "/", image: imageFor(c), ...(c.disk ? { disk: c.disk } : {}) },
    { rules: [rule], inspect: { ...DEFAULT_INSPECT_OPTIONS, ...c.inspect } },
  );
}

/** A rule's table as testRule was given it. */
export interface RuleTable {
  rule: Rule<FactName>;
  valid: RuleCase[];
  invalid: InvalidRuleCase[];
}

let collecting: Map<string, RuleTable> | undefined;

/**
 * The tables testRule is given while `load` runs (it imports rule test files), by rule id,
 * recorded instead of run: the fix parity test applies fixes to the rules' failing trees.
 */
export async function collectRuleTables(load: () => Promise<unknown>): Promise<Map<string, RuleTable>> {
  const tables = new Map<string, RuleTable>();
  collecting = tables;
  try {
    await load();
  } finally {
    collecting = undefined;
  }
  return tables;
}

/**
 * ESLint RuleTester for amigate rules: trees that must pass and trees that must fail with exact
 * findings; every finding must carry the rule's id and clauses and a fully rendered message, and
 * the failing trees together must produce every message id the rule declares (none unused).
 */
export function testRule(
  rule: Rule<FactName>,
  cases: {
    valid: RuleCase[];
    invalid: InvalidRuleCase[];
    /**
     * Message ids no tree can produce with the shipped data (e.g. no OS release in data/eol.json
     * ends without a date), each with why and the test in src/policy/rules/ that renders it.
     */
    messagesJudgedElsewhere?: Record<string, { why: string; test: string }>;
  },
): void {
  if (collecting) {
    collecting.set(rule.id, { rule, valid: cases.valid, invalid: cases.invalid });
    return;
  }
  describe(`rule ${rule.id}`, () => {
    const produced = new Set<string>();
    it("declares clauses, remediation and at least one failing and passing case", () => {
      assert.ok(rule.clauses.length > 0);
      assert.ok(rule.remediation.length > 0);
      assert.ok(cases.valid.length > 0 && cases.invalid.length > 0);
      const names = [...cases.valid, ...cases.invalid].map((c) => c.name);
      assert.equal(new Set(names).size, names.length, "duplicate case names");
    });
    for (const c of cases.valid) {
      it(`passes: ${c.name}`, async () => {
        const { findings } = await evaluate(rule, c);
        assert.deepEqual(
          findings.map((f) => `${f.path ?? ""}: ${f.message}`),
          [],
        );
      });
    }
    for (const c of cases.invalid) {
      it(`fails: ${c.name}`, async () => {
        const { findings } = await evaluate(rule, c);
        for (const f of findings) {
          assert.equal(f.rule, rule.id);
          assert.deepEqual(f.clauses, [...rule.clauses]);
          assert.doesNotMatch(f.message, /\{\{/, `message ${f.messageId} has a placeholder without data`);
          produced.add(f.messageId);
        }
        const actual = findings.map((f, i) => {
          const want = c.findings[i] ?? {};
          return Object.fromEntries(Object.keys(want).map((k) => [k, f[k as keyof Finding]]));
        });
        assert.equal(
          findings.length,
          c.findings.length,
          `expected ${c.findings.length} findings, got: ${JSON.stringify(findings.map((f) => [f.path, f.message]))}`,
        );
        assert.deepEqual(actual, c.findings);
      });
    }
    if (rule.messages !== undefined) {
      const declared = Object.keys(rule.messages);
      const elsewhere = cases.messagesJudgedElsewhere ?? {};
      it("the failing trees produce every message id it declares", () => {
        assert.ok(declared.length > 0, "declares no message");
        assert.deepEqual(
          declared.filter((id) => !produced.has(id) && !(id in elsewhere)),
          [],
          "message ids no failing case produces (add a case, or drop the unused id)",
        );
        for (const [id, { why, test }] of Object.entries(elsewhere)) {
          assert.ok(declared.includes(id), `${id} is one of the rule's messages`);
          assert.ok(
            !produced.has(id),
            `a failing case produces ${id}: remove it from messagesJudgedElsewhere`,
          );
          assert.ok(why.length > 0);
          const file = path.join(REPO_ROOT, "src/policy/rules", test);
          assert.ok(existsSync(file) && readFileSync(file, "utf8").includes(id), `${test} tests ${id}`);
        }
      });
    }
  });
}
