/**
 * Re-judging against a fresh scan: the real Debian rootfs scanned on one date with one database,
 * its facts snapshot through JSON, then judged again on a later date and with a newer database
 * (built by `amigate db import`) must give what a fresh scan with those gives.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { buildVulnDbs, scanDebian } from "../../test/support/rejudge-fixtures.js";
import { debianImage } from "../../test/support/trees.js";
import { DEFAULT_INSPECT_OPTIONS, FactStore, type Inspector } from "../inspect/context.js";
import type { FactName } from "../inspect/facts.js";
import { inspectorsByName } from "../inspect/registry.js";
import type { ScanResult } from "../policy/result.js";
import { defineRule } from "../policy/rule.js";
import { rules } from "../policy/rules/index.js";
import { VulnDbReader } from "../vuln/reader.js";
import { rejudge, SnapshotGapError, timeDependentRules } from "./rejudge.js";
import {
  type FactsSnapshot,
  FactsSnapshotError,
  parseSnapshot,
  SNAPSHOT_FACTS,
  TIME_DEPENDENT_FACTS,
} from "./snapshot.js";

const work = mkdtempSync(path.join(os.tmpdir(), "amigate-rejudge-"));
after(() => rmSync(work, { recursive: true, force: true }));
const OLD_DB = path.join(work, "old.db");
const NEW_DB = path.join(work, "new.db");
const NO_DB = path.join(work, "none.db");

/** What a verdict is made of; scannedAt and rejudgedAt differ by design. */
function judged(r: ScanResult) {
  const { findings, ignored, summary, passed, notes, checks, unknowns, failOn } = r;
  return { findings, ignored, summary, passed, notes, checks, unknowns, failOn };
}

const rulesOf = (r: ScanResult, id: string) => r.findings.filter((f) => f.rule === id);

let scanned: { report: ScanResult; snapshot: FactsSnapshot };
let stored: FactsSnapshot;

describe("rejudge: a stored report judged again from its facts snapshot", () => {
  before(async () => {
    buildVulnDbs(work);
    scanned = await scanDebian("2026-03-01", OLD_DB);
    // Through JSON, as the server stores it.
    stored = parseSnapshot(JSON.stringify(scanned.snapshot));
  });

  it("the snapshot keeps the OS and the package inventory of each root, and is JSON", () => {
    assert.equal(stored.roots.length, 1);
    const root = stored.roots[0]!;
    assert.equal(root.facts.os?.id, "debian");
    assert.ok((root.facts.packages?.packages.length ?? 0) > 50);
    assert.deepEqual(root.failed, {});
    assert.deepEqual(stored, scanned.snapshot);
  });

  it("as of 2029-01-01, os-end-of-life appears exactly as in a fresh scan as of that date", async () => {
    assert.deepEqual(rulesOf(scanned.report, "os-end-of-life"), []);
    const fresh = (await scanDebian("2029-01-01", OLD_DB)).report;
    const r = await rejudge(scanned.report, stored, {
      asOf: new Date("2029-01-01T00:00:00Z"),
      vulnDb: OLD_DB,
    });
    const eol = rulesOf(r.report, "os-end-of-life");
    assert.equal(eol.length, 1);
    assert.equal(eol[0]!.severity, "high");
    assert.deepEqual(judged(r.report), judged(fresh));
    assert.equal(r.report.scannedAt, scanned.report.scannedAt);
    assert.equal(r.report.rejudgedAt, "2029-01-01T00:00:00.000Z");
    assert.deepEqual(
      r.added.map((f) => f.rule).sort(),
      ["os-end-of-life", "vuln-db-stale"],
      "the database imported today is stale by 2029",
    );
    assert.deepEqual(r.resolved, []);
    assert.deepEqual(r.before, { passed: true, vulnerabilities: "checked" });
    assert.deepEqual(r.after, { passed: false, vulnerabilities: "checked" });
    assert.equal(r.changed, true);
  });

  it("with a newer database, known-vulnerabilities finds what a fresh scan with it finds", async () => {
    const fresh = (await scanDebian("2026-03-01", NEW_DB)).report;
    assert.ok(rulesOf(fresh, "known-vulnerabilities").length >= 5, "the records match the rootfs");
    const r = await rejudge(scanned.report, stored, {
      asOf: new Date("2026-03-01T00:00:00Z"),
      vulnDb: NEW_DB,
    });
    assert.deepEqual(judged(r.report), judged(fresh));
    assert.deepEqual(
      r.added.map((f) => f.evidence),
      rulesOf(fresh, "known-vulnerabilities").map((f) => f.evidence),
    );
    assert.equal(r.after.passed, false);
    // A run over many reports opens the database once: the same judgement.
    const reader = VulnDbReader.open(NEW_DB);
    try {
      for (let i = 0; i < 2; i++) {
        const shared = await rejudge(scanned.report, stored, {
          asOf: new Date("2026-03-01T00:00:00Z"),
          vulnDb: NEW_DB,
          vulnDbReader: reader,
        });
        assert.deepEqual(judged(shared.report), judged(fresh));
      }
    } finally {
      reader.close();
    }
  });

  it("without a database the checks are skipped and said so, and the findings of the old one resolve", async () => {
    const withVulns = (
      await rejudge(scanned.report, stored, { asOf: new Date("2026-03-01T00:00:00Z"), vulnDb: NEW_DB })
    ).report;
    const r = await rejudge(withVulns, stored, { asOf: new Date("2026-03-01T00:00:00Z"), vulnDb: NO_DB });
    assert.equal(r.report.checks.vulnerabilities.state, "skipped");
    assert.ok(
      r.report.notes.some((n) => n.includes("no database")),
      r.report.notes.join("\n"),
    );
    assert.deepEqual(rulesOf(r.report, "known-vulnerabilities"), []);
    assert.equal(r.resolved.length, rulesOf(withVulns, "known-vulnerabilities").length);
    assert.deepEqual(r.after, { passed: true, vulnerabilities: "skipped" });
    // And back: the note goes when a database is there again.
    const back = await rejudge(r.report, stored, { asOf: new Date("2026-03-01T00:00:00Z"), vulnDb: OLD_DB });
    assert.deepEqual(judged(back.report), judged(scanned.report));
  });

  it("judged again with the scan's own date and database, nothing changes", async () => {
    const r = await rejudge(scanned.report, stored, {
      asOf: new Date("2026-03-01T00:00:00Z"),
      vulnDb: OLD_DB,
    });
    assert.equal(r.changed, false);
    assert.deepEqual(judged(r.report), judged(scanned.report));
    assert.deepEqual([r.added, r.resolved], [[], []]);
  });

  it("an ignore entry applies until its expiry on the new date", async () => {
    const entry = { rule: "os-end-of-life", reason: "replacement image under way" };
    const asOf = new Date("2029-01-01T00:00:00Z");
    const within = await rejudge(scanned.report, stored, {
      asOf,
      vulnDb: OLD_DB,
      ignore: [{ ...entry, expires: "2029-01-01" }],
    });
    assert.deepEqual(rulesOf(within.report, "os-end-of-life"), []);
    assert.deepEqual(
      within.report.ignored.map((f) => [f.rule, f.ignoreReason]),
      [["os-end-of-life", entry.reason]],
    );
    const past = await rejudge(scanned.report, stored, {
      asOf,
      vulnDb: OLD_DB,
      ignore: [{ ...entry, expires: "2028-12-31" }],
    });
    assert.equal(rulesOf(past.report, "os-end-of-life").length, 1);
    assert.deepEqual(past.report.ignored, []);
  });

  it("a snapshot of other roots than the report's is refused", async () => {
    const other = { ...stored, roots: [{ ...stored.roots[0]!, root: "/mnt/other" }] };
    await assert.rejects(rejudge(scanned.report, other, { asOf: new Date() }), FactsSnapshotError);
  });

  it("a fact that failed in the scan fails the same way when re-judged", async () => {
    const { os: _os, ...rest } = stored.roots[0]!.facts;
    const broken = {
      ...stored,
      roots: [{ ...stored.roots[0]!, facts: rest, failed: { os: "EIO: /etc/os-release" } }],
    };
    const r = await rejudge(scanned.report, broken, {
      asOf: new Date("2029-01-01T00:00:00Z"),
      vulnDb: OLD_DB,
    });
    assert.deepEqual(rulesOf(r.report, "os-end-of-life"), []);
    assert.ok(r.report.unknowns.some((u) => u.source === "rule os-end-of-life" && u.error.includes("EIO")));
  });
});

describe("what a facts snapshot must hold", () => {
  it("every rule reading a time-dependent fact reads nothing else than snapshot facts", () => {
    const judgedRules = timeDependentRules(rules);
    assert.deepEqual(judgedRules.map((r) => r.id).sort(), [
      "known-vulnerabilities",
      "os-end-of-life",
      "runtime-end-of-life",
      "vuln-db-stale",
    ]);
    for (const r of judgedRules)
      for (const f of r.facts)
        assert.ok(
          (TIME_DEPENDENT_FACTS as readonly FactName[]).includes(f) ||
            (SNAPSHOT_FACTS as readonly FactName[]).includes(f),
          `${r.id} reads ${f}`,
        );
  });

  it("the time-dependent inspectors read no file and only snapshot facts, with a database and without", async () => {
    const real = new FactStore(debianImage(), inspectorsByName);
    const values = { os: await real.get("os"), packages: await real.get("packages") };
    for (const vulnDb of [NEW_DB, NO_DB]) {
      const asked: string[] = [];
      const map = new Map<FactName, Inspector<FactName>>();
      for (const [name, inspector] of inspectorsByName) {
        const own = (TIME_DEPENDENT_FACTS as readonly FactName[]).includes(name);
        map.set(name, {
          ...inspector,
          inspect: async (ctx) => {
            if (own) return inspector.inspect(ctx);
            asked.push(name);
            return (values as Record<string, unknown>)[name] as never;
          },
        });
      }
      const image = debianImage();
      const files: string[] = [];
      const tree = image.tree as unknown as Record<string, (p: string, ...rest: unknown[]) => unknown>;
      for (const method of ["lstat", "readdir", "readlink", "readFile", "createReadStream"]) {
        const original = tree[method]!.bind(image.tree);
        tree[method] = (p, ...rest) => {
          files.push(`${method} ${p}`);
          return original(p, ...rest);
        };
      }
      const store = new FactStore(image, map, {
        ...DEFAULT_INSPECT_OPTIONS,
        now: new Date("2029-01-01"),
        vulnDb,
      });
      for (const name of TIME_DEPENDENT_FACTS) await store.get(name);
      assert.deepEqual([...new Set(asked)].sort(), [...SNAPSHOT_FACTS].sort(), `with ${vulnDb}`);
      assert.deepEqual(files, []);
      for (const name of TIME_DEPENDENT_FACTS) assert.deepEqual(inspectorsByName.get(name)!.paths, []);
    }
  });

  it("a rule reading a fact the snapshot does not keep cannot be re-judged", async () => {
    const wide = defineRule({
      id: "test-wide",
      title: "reads files too",
      clauses: [],
      severity: "low",
      description: "",
      remediation: "",
      messages: { m: "m" },
      facts: ["vulnerabilities", "files"],
      check: () => [],
    });
    await assert.rejects(
      rejudge(scanned.report, stored, { asOf: new Date(), rules: [...rules, wide] }),
      SnapshotGapError,
    );
  });

  it("parseSnapshot refuses other formats, versions and damaged records with a typed error", () => {
    const good = JSON.parse(JSON.stringify(stored)) as Record<string, unknown>;
    const cases: Array<[string, string]> = [
      ["{", "not JSON"],
      [JSON.stringify({ ...good, format: "other" }), "format"],
      [JSON.stringify({ ...good, version: 2 }), "version 2"],
      [
        JSON.stringify({
          ...good,
          roots: [{ root: "/", facts: {}, failed: {}, notes: [], judgedNotesAt: 0 }],
        }),
        "fact os",
      ],
      [JSON.stringify({ ...good, roots: [{ ...stored.roots[0], judgedNotesAt: -1 }] }), "judgedNotesAt"],
      [
        JSON.stringify({
          ...good,
          roots: [{ ...stored.roots[0], facts: { ...stored.roots[0]!.facts, packages: { packages: 1 } } }],
        }),
        "packages",
      ],
    ];
    for (const [text, message] of cases)
      assert.throws(
        () => parseSnapshot(text),
        (e: Error) => e instanceof FactsSnapshotError && e.message.includes(message),
        message,
      );
  });
});
