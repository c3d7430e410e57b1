import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { Command } from "commander";
import { REPO_ROOT } from "../../test/support/trees.js";
import { programOnPath } from "../target/tar/decompress.js";
import { SCAN_VALUE_OPTIONS, scanTarget } from "./early-start.js";
import { registerScan } from "./scan.js";

describe("the scan's target, read from its arguments before commander loads", () => {
  const cases: [string[], string | undefined][] = [
    [["x.tar.zst"], "x.tar.zst"],
    [["x.tar.zst", "--format", "json", "-o", "r.json"], "x.tar.zst"],
    [["--format", "json", "x.tar.zst"], "x.tar.zst"],
    [["--format=json", "x.tar.zst"], "x.tar.zst"],
    [["-f", "json", "--fail-on", "low", "x"], "x"],
    [["-fjson", "x"], "x"],
    [["-qf", "json", "x"], "x"],
    [["-qfjson", "x"], "x"],
    [["-q", "--no-progress", "x"], "x"],
    [["--no-attestations", "--attestations", "a.yaml", "x"], "x"],
    [["--db", "v.db", "--db-max-age", "3", "--clamd", "s", "--as-of", "2026-01-01", "x"], "x"],
    [["--severity", "HIGH", "--ignore-file", "i.yaml", "--listing", "l.yaml", "x"], "x"],
    [["--", "-odd-name"], "-odd-name"],
    [["-o", "--", "x"], "x"],
    [["--help", "x"], undefined],
    [["-qh", "x"], undefined],
    [["--format", "json"], undefined],
    [[], undefined],
  ];
  for (const [args, want] of cases)
    it(`${JSON.stringify(args)} → ${want}`, () => assert.equal(scanTarget(args), want));

  it("knows every option of `amigate scan` that takes a value, and no other", () => {
    const program = new Command();
    registerScan(program);
    const scan = program.commands.find((c) => c.name() === "scan")!;
    const valued = scan.options
      .filter((o) => o.required || o.optional)
      .flatMap((o) => [o.short, o.long].filter((n): n is string => n !== undefined));
    assert.deepEqual([...SCAN_VALUE_OPTIONS].sort(), valued.sort());
  });
});

describe("amigate scan of a .tar.zst starts zstd before its modules load", {
  skip: !programOnPath("zstd"),
}, () => {
  let dir: string;
  const MAIN = path.join(REPO_ROOT, "src/cli/main.ts");
  const TSX = import.meta.resolve("tsx");
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "amigate-early-cli-"));
    mkdirSync(path.join(dir, "root/etc"), { recursive: true });
    writeFileSync(path.join(dir, "root/etc/hostname"), "early\n");
    execFileSync("tar", ["-C", path.join(dir, "root"), "--zstd", "-cf", path.join(dir, "a.tar.zst"), "."]);
    // zstd on PATH behind a wrapper that notes each start.
    mkdirSync(path.join(dir, "bin"));
    writeFileSync(
      path.join(dir, "bin/zstd"),
      `#!/bin/sh\necho started >> ${dir}/starts\nexec ${programOnPath("zstd")} "$@"\n`,
    );
    chmodSync(path.join(dir, "bin/zstd"), 0o755);
    mkdirSync(path.join(dir, "tmp"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const scan = (...args: string[]) => {
    rmSync(path.join(dir, "starts"), { force: true });
    const r = spawnSync(process.execPath, ["--import", TSX, MAIN, "scan", ...args], {
      encoding: "utf8",
      timeout: 60_000,
      env: { ...process.env, PATH: `${dir}/bin:${process.env.PATH}`, TMPDIR: path.join(dir, "tmp") },
    });
    const starts = (() => {
      try {
        return readFileSync(path.join(dir, "starts"), "utf8").split("\n").filter(Boolean).length;
      } catch {
        return 0;
      }
    })();
    return {
      status: r.status,
      stderr: r.stderr,
      starts,
      left: readdirSync(path.join(dir, "tmp")).filter((n) => n.startsWith("amigate-")),
    };
  };

  it("uses the one it started, and leaves no spill behind", () => {
    const r = scan(path.join(dir, "a.tar.zst"), "--format", "json", "-o", path.join(dir, "r.json"));
    assert.ok(r.status === 0 || r.status === 1, r.stderr);
    assert.equal(r.starts, 1, "one zstd: the early one, taken over");
    assert.deepEqual(r.left, []);
    const report = JSON.parse(readFileSync(path.join(dir, "r.json"), "utf8")) as { target: unknown };
    assert.match(JSON.stringify(report.target), /a\.tar\.zst/);
  });

  it("does not open a FIFO (that would wait for a writer): the scan refuses it at once", () => {
    const fifo = path.join(dir, "fifo");
    execFileSync("mkfifo", [fifo]);
    const r = scan(fifo);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /not a directory, archive or disk image/);
    assert.equal(r.starts, 0);
  });

  it("stops it and removes its spill when the scan ends before opening the target", () => {
    const r = scan(path.join(dir, "a.tar.zst"), "--format", "bogus");
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.starts, 1, "it was started early");
    assert.deepEqual(r.left, []);
  });
});
