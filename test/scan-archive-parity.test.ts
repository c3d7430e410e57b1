/**
 * The same seeded Debian rootfs as a directory and as .tar, .tar.gz and .tar.zst gives identical
 * findings (rule, clauses, severity, path, line, message, evidence).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { before, describe, it } from "node:test";
import type { ScanResult } from "../src/policy/result.js";
import { scan } from "../src/scan/session.js";
import { openTarget } from "../src/target/open.js";
import { REPO_ROOT } from "./support/trees.js";

let paths: string[] = [];

async function scanPath(input: string): Promise<ScanResult> {
  const target = await openTarget(input);
  try {
    return await scan(
      { input, kind: target.kind, description: target.description, notes: target.notes },
      target.roots,
      { now: new Date("2026-03-01T00:00:00Z") },
    );
  } finally {
    await target.close();
  }
}

function comparable(r: ScanResult): string[] {
  return r.findings.map((f) =>
    JSON.stringify([f.rule, f.clauses, f.severity, f.path, f.line, f.message, f.evidence]),
  );
}

describe("directory and archive scans agree", () => {
  before(() => {
    paths = execFileSync("bash", [path.join(REPO_ROOT, "fixtures/debian-seeded.sh")], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    })
      .trim()
      .split("\n");
  });

  it("finds the seeded mistakes in the directory", async () => {
    const dir = await scanPath(paths[0]!);
    const rules = new Set(dir.findings.map((f) => f.rule));
    for (const r of ["ssh-password-auth", "password-hash-login-user", "cloud-init-password-auth"])
      assert.ok(rules.has(r), r);
    assert.equal(dir.passed, false);
    assert.deepEqual(dir.unknowns, []);
  });

  for (const ext of [".tar", ".tar.gz", ".tar.zst"]) {
    it(`gives identical findings as ${ext}`, async () => {
      const dirPath = paths[0]!;
      const archive = paths.find((p) => p.endsWith(`seeded${ext}`))!;
      const [dir, arc] = [await scanPath(dirPath), await scanPath(archive)];
      assert.equal(arc.target.kind, "archive");
      assert.deepEqual(comparable(arc), comparable(dir));
      assert.deepEqual(arc.unknowns, dir.unknowns);
      assert.deepEqual(
        arc.roots.map((r) => r.os),
        dir.roots.map((r) => r.os),
      );
    });
  }
});
