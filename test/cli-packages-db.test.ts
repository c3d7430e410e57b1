/**
 * The issue-4 CLI contracts through the real CLI (a child process): `packages --format json`,
 * `db import` / `db status`, and `scan --db --as-of`.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { debianRootfsPath, REPO_ROOT, SHARED } from "./support/trees.js";

const CLI = path.join(REPO_ROOT, "src/cli/main.ts");
const work = mkdtempSync(path.join(os.tmpdir(), "amigate-cli-"));
after(() => rmSync(work, { recursive: true, force: true }));

function amigate(...args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", CLI, ...args], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    env: { ...process.env, AMIGATE_DB: path.join(work, "none.db") },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("amigate packages / db / scan --db --as-of", () => {
  it("packages --format json prints {os, packages[{name, version, sourceName, sourceVersion, arch, ecosystem}]} equal to dpkg-query", () => {
    const rootfs = debianRootfsPath();
    const r = amigate("packages", rootfs, "--format", "json");
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as {
      os: { id: string; version: string };
      packages: Array<Record<string, string>>;
    };
    assert.equal(doc.os.id, "debian");
    assert.equal(doc.os.version, "12");
    for (const p of doc.packages)
      for (const key of ["name", "version", "sourceName", "sourceVersion", "arch", "ecosystem"])
        assert.equal(typeof p[key], "string", `${p.name}.${key}`);
    const peer = execFileSync(
      "dpkg-query",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own ${field} format
      ["-W", `--admindir=${rootfs}/var/lib/dpkg`, "-f", "${Package} ${Version} ${Architecture}\\n"],
      { encoding: "utf8" },
    )
      .trim()
      .split("\n")
      .sort();
    assert.deepEqual(doc.packages.map((p) => `${p.name} ${p.version} ${p.arch}`).sort(), peer);
  });

  it("db import builds a database that db status describes, and scan --db uses it", () => {
    const db = path.join(work, "vulns.db");
    const imported = amigate("db", "import", path.join(SHARED, "corpus/osv/debian"), "--db", db);
    assert.equal(imported.status, 0, imported.stderr);
    assert.ok(existsSync(db));
    const status = amigate("db", "status", "--db", db, "--json");
    assert.equal(status.status, 0, status.stderr);
    const s = JSON.parse(status.stdout) as { advisories: number; ecosystems: Array<{ ecosystem: string }> };
    assert.equal(s.advisories, 1);
    assert.deepEqual(
      s.ecosystems.map((e) => e.ecosystem),
      ["Debian"],
    );
    const scan = amigate("scan", debianRootfsPath(), "--db", db, "--as-of", "2026-03-01", "--format", "json");
    assert.equal(scan.status, 0, scan.stderr);
    const report = JSON.parse(scan.stdout) as { notes: string[]; findings: unknown[] };
    assert.ok(!report.notes.some((n) => n.includes("no database")), report.notes.join("\n"));
    assert.deepEqual(report.findings, []);
  });

  it("without a database the report says so and how to get one; --as-of decides end of life", () => {
    const before = amigate("scan", debianRootfsPath(), "--as-of", "2026-03-01", "--format", "json");
    assert.equal(before.status, 0, before.stderr);
    assert.ok((JSON.parse(before.stdout) as { notes: string[] }).notes.some((n) => n.includes("amigate db")));
    // Debian 12's regular support ends 2026-07-11; Debian LTS (free, from Debian) runs to 2028-06-30
    // and counts as supported: an info note in between, a high SEC-2 finding only after it.
    const inLts = amigate("scan", debianRootfsPath(), "--as-of", "2026-07-12", "--format", "json");
    assert.equal(inLts.status, 0, inLts.stderr);
    const noted = (JSON.parse(inLts.stdout) as { findings: Array<{ rule: string; severity: string }> })
      .findings;
    assert.deepEqual(
      noted.map((f) => [f.rule, f.severity]),
      [["os-end-of-life", "info"]],
    );
    const afterEol = amigate("scan", debianRootfsPath(), "--as-of", "2028-07-01", "--format", "json");
    assert.equal(afterEol.status, 1);
    // Its packaged runtimes (Python 3.11) end with it: named in this finding, not charged again (issue 15).
    const rules = (
      JSON.parse(afterEol.stdout) as {
        findings: Array<{ rule: string; clauses: string[]; severity: string }>;
      }
    ).findings;
    assert.deepEqual(
      rules.filter((f) => f.rule === "os-end-of-life").map((f) => [f.clauses, f.severity]),
      [[["SEC-2"], "high"]],
    );
  });

  it("a failed import leaves the previous database as it was, and writes none where there was none", () => {
    const db = path.join(work, "staged.db");
    assert.equal(amigate("db", "import", path.join(SHARED, "corpus/osv/debian"), "--db", db).status, 0);
    const before = amigate("db", "status", "--db", db, "--json").stdout;
    const bad = path.join(work, "bad.json");
    writeFileSync(bad, '{"id": 5');
    // The good directory first, then the bad file: all or nothing.
    const failed = amigate("db", "import", path.join(SHARED, "corpus/osv/alpine"), bad, "--db", db);
    assert.equal(failed.status, 2);
    assert.match(failed.stderr, /bad\.json: .*\(nothing imported; .*staged\.db left as it was\)/);
    assert.equal(amigate("db", "status", "--db", db, "--json").stdout, before);
    assert.deepEqual(
      readdirSync(work).filter((n) => n.includes(".staged-")),
      [],
      "no staged copy left behind",
    );
    const fresh = path.join(work, "fresh.db");
    assert.equal(amigate("db", "import", bad, "--db", fresh).status, 2);
    assert.ok(!existsSync(fresh), "no empty database left behind");
  });

  it("packages on a Windows disk lists the Uninstall entries as the windows ecosystem", () => {
    const vhdx = path.join(
      process.env.AMIGATE_FIXTURES ?? path.join(os.homedir(), ".cache/amigate-fixtures"),
      "windows/pass/windows.vhdx",
    );
    if (!existsSync(vhdx))
      execFileSync("bash", [path.join(REPO_ROOT, "fixtures/windows-images.sh")], { stdio: "ignore" });
    const r = amigate("packages", vhdx, "--format", "json");
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as {
      os: { id: string };
      packages: Array<{ ecosystem: string; name: string }>;
    };
    assert.equal(doc.os.id, "windows");
    assert.ok(doc.packages.length > 0);
    assert.ok(doc.packages.every((p) => p.ecosystem === "windows" && p.name.length > 0));
  });

  it("db status without a database says where it looked and how to get one (exit 2, one line)", () => {
    const r = amigate("db", "status");
    assert.equal(r.status, 2);
    assert.equal(
      r.stderr,
      `amigate: ${path.join(work, "none.db")}: no vulnerability database here yet; build one with \`amigate db update\` (online) or \`amigate db import FILE\`\n`,
    );
  });

  it("a malformed --as-of is a usage error (exit 2, one line)", () => {
    const r = amigate("scan", debianRootfsPath(), "--as-of", "23/11/2026");
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^amigate: --as-of 23\/11\/2026: expected a date as YYYY-MM-DD\n$/);
  });
});
