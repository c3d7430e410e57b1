/**
 * Clean Debian 11, 12 and 13 trees set up like the Debian cloud team's EC2 images
 * (fixtures/debian-cloud-rootfs.sh) scanned by the real CLI on a fixed date: the only findings are
 * the true ones. On 2026-12-05 Debian 11 is past Debian LTS (ended 2026-08-31): high; Debian 12 is
 * in Debian LTS (regular support ended 2026-07-11, LTS runs to 2028-06-30): an info note; Debian 13
 * is in regular support: nothing. Their packaged Pythons follow the release (no runtime finding).
 * Building a tree needs root and debootstrap (.ci/run has both); each is cached after the first build.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { REPO_ROOT } from "./support/trees.js";

const CLI = path.join(REPO_ROOT, "src/cli/main.ts");
const AS_OF = "2026-12-05";
// No vulnerability database (a path where none is): the verdict must not depend on the machine's cache.
const work = mkdtempSync(path.join(os.tmpdir(), "amigate-releases-"));
after(() => rmSync(work, { recursive: true, force: true }));

function cloudRootfs(release: string): string {
  const out = execFileSync("bash", [path.join(REPO_ROOT, "fixtures/debian-cloud-rootfs.sh"), release], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  return out.trim().split("\n").pop()!;
}

interface ReportFinding {
  rule: string;
  severity: string;
  message: string;
}

const releases: Array<{ release: string; exit: number; findings: Array<[string, string, string]> }> = [
  {
    release: "bullseye",
    exit: 1,
    findings: [
      [
        "os-end-of-life",
        "high",
        "the operating system Debian 11 (Bullseye) reached end of life on 2024-08-14; Debian LTS ran to 2026-08-31; Python 3.9 from its packages lost security support with it",
      ],
    ],
  },
  {
    release: "bookworm",
    exit: 0,
    findings: [
      [
        "os-end-of-life",
        "info",
        "the operating system Debian 12 (Bookworm) is in Debian LTS until 2028-06-30 (free security support from the distribution, counted as supported); regular security support ended on 2026-07-11; Python 3.11 from its packages is patched with it, not by upstream's dates",
      ],
    ],
  },
  { release: "trixie", exit: 0, findings: [] },
];

describe(`clean Debian cloud-image trees scanned on ${AS_OF}`, () => {
  for (const r of releases) {
    it(`${r.release}: ${r.findings.length === 0 ? "no finding" : r.findings.map((f) => `${f[0]} ${f[1]}`).join(", ")}, nothing else`, () => {
      const root = cloudRootfs(r.release);
      const scan = spawnSync(
        process.execPath,
        ["--import", "tsx", CLI, "scan", root, "--as-of", AS_OF, "--format", "json"],
        { cwd: REPO_ROOT, encoding: "utf8", env: { ...process.env, AMIGATE_DB: path.join(work, "none.db") } },
      );
      const report = JSON.parse(scan.stdout) as { findings: ReportFinding[]; unknowns?: unknown[] };
      assert.deepEqual(
        report.findings.map((f) => [f.rule, f.severity, f.message]),
        r.findings,
      );
      assert.deepEqual(report.unknowns ?? [], [], "everything in the tree was readable");
      assert.equal(scan.status, r.exit, scan.stderr);
    });
  }
});
