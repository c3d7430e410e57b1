/**
 * A directory target with a 10 GiB sparse file, a FIFO named like a history and a symlink loop:
 * the whole pipeline (walk, content scan, malware signatures, rules) ends with a report, never
 * reads the file into memory and never blocks.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { DEFAULT_INSPECT_OPTIONS } from "../src/inspect/context.js";
import { scan } from "../src/scan/session.js";
import { openTarget } from "../src/target/open.js";

let root = "";

describe("hostile directory target, end to end", () => {
  before(() => {
    root = mkdtempSync(path.join(os.tmpdir(), "amigate-hostile-"));
    mkdirSync(path.join(root, "etc"), { recursive: true });
    mkdirSync(path.join(root, "root"), { recursive: true });
    mkdirSync(path.join(root, "srv/data"), { recursive: true });
    writeFileSync(path.join(root, "etc/os-release"), 'ID=debian\nVERSION_ID="12"\nNAME="Debian GNU/Linux"\n');
    writeFileSync(path.join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n");
    writeFileSync(path.join(root, "etc/shadow"), "root:!*:20000:0:99999:7:::\n");
    // 10 GiB of apparent size, no blocks on disk.
    execFileSync("truncate", ["-s", "10G", path.join(root, "srv/data/huge.img")]);
    // A text file over the content-scan bound (set to 8 MiB below): reported as not read, never
    // loaded whole.
    execFileSync("bash", [
      "-c",
      `yes "GET /index.html 200" | head -c 20000000 > "${root}/srv/data/huge.log"`,
    ]);
    execFileSync("mkfifo", [path.join(root, "root/.bash_history")]);
    symlinkSync("loop-b", path.join(root, "srv/loop-a"));
    symlinkSync("loop-a", path.join(root, "srv/loop-b"));
    symlinkSync("/etc/shadow", path.join(root, "srv/abs-link"));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it("scans to a report with bounded memory", async () => {
    const rssBefore = process.memoryUsage().rss;
    const target = await openTarget(root);
    try {
      const result = await scan(target, target.roots, {
        now: new Date("2026-03-01T00:00:00Z"),
        inspect: { ...DEFAULT_INSPECT_OPTIONS, maxContentScanBytes: 8 * 1024 * 1024 },
      });
      const grew = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
      assert.ok(grew < 256, `RSS grew by ${grew.toFixed(0)} MiB`);
      assert.equal(result.roots[0]?.os.id, "debian");
      // The huge text file is reported as not read, never silently skipped.
      assert.ok(
        result.unknowns.some((u) => u.path === "/srv/data/huge.log"),
        JSON.stringify(result.unknowns),
      );
      // The FIFO history is not read (and does not block).
      assert.ok(!result.findings.some((f) => f.path === "/root/.bash_history" && f.rule === "shell-history"));
    } finally {
      await target.close();
    }
  });
});
