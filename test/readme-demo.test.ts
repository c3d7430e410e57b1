/**
 * The README's first command, `npm run demo`: builds the bundle and the seeded Debian image, scans
 * it and succeeds when the scan ran (the image fails on purpose). Run here as the script itself,
 * several times: it once died of SIGPIPE now and then (`| head -n 1` under pipefail).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { test } from "node:test";
import { REPO_ROOT } from "./support/trees.js";

test("npm run demo scans the built-in image and reports its seeded mistakes", () => {
  for (let run = 0; run < 3; run++) {
    const r = spawnSync(
      "bash",
      [path.join(REPO_ROOT, "scripts/demo.sh"), "--format", "json", "--as-of", "2026-03-01"],
      {
        cwd: REPO_ROOT,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
        timeout: 600_000,
      },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /Scanning the built-in demo image: \S+debian-bookworm-seeded\n/);
    const report = JSON.parse(r.stdout) as { findings: Array<{ rule: string }> };
    const rules = new Set(report.findings.map((f) => f.rule));
    for (const rule of ["ssh-password-auth", "aws-credentials", "private-key-in-image", "shell-history"])
      assert.ok(rules.has(rule), `${rule} in ${[...rules].join(", ")}`);
  }
});
