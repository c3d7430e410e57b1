/**
 * CLI hygiene through the real CLI (a child process): a flag mistake is one line and exit 2 (the
 * help only with --help), a report into a missing directory says so once, and a reader that
 * closes the pipe early (`| head -3`) never gets a stack trace.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { debianRootfsPath, REPO_ROOT } from "../../test/support/trees.js";
import { usageLine } from "./output.js";

const MAIN = path.join(REPO_ROOT, "src/cli/main.ts");
const TSX = import.meta.resolve("tsx");
const work = mkdtempSync(path.join(tmpdir(), "amigate-hygiene-"));
after(() => rmSync(work, { recursive: true, force: true }));
const AMIGATE = `${process.execPath} --import ${TSX} ${MAIN}`;

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ["--import", TSX, MAIN, ...args], {
    cwd: work,
    encoding: "utf8",
    env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" },
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Exit 2 and exactly one line on stderr, `amigate: …`, with no help text and no stack. */
function assertOneLine(r: ReturnType<typeof cli>, pattern: RegExp): void {
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^amigate: [^\n]+\n$/);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /Usage:|Options:|\n\s+at /);
  assert.equal(r.stdout, "");
}

describe("flag mistakes", () => {
  it("are one line on stderr and exit 2; the help is printed for --help only", () => {
    assertOneLine(
      cli("scan", work, "--formt", "json"),
      /unknown option '--formt' \(Did you mean --format\?\)/,
    );
    assertOneLine(cli("scan", work, "--format", "yaml"), /argument 'yaml' is invalid/);
    assertOneLine(cli("scan"), /missing required argument 'target'/);
    assertOneLine(cli("scna", work), /unknown command 'scna'/);
    assertOneLine(cli(), /no command given \(amigate --help lists them\)/);
    assertOneLine(
      cli("policy", "--json", "-f", "text"),
      /option '--json' cannot be used with option '-f, --format <format>'/,
    );
    assertOneLine(cli("packages", work, "-f", "xml"), /argument 'xml' is invalid/);
    const help = cli("scan", "--help");
    assert.equal(help.status, 0);
    assert.match(help.stdout, /^Usage: amigate scan \[options\] <target>/);
    assert.equal(help.stderr, "");
  });

  it("commander's messages become one line, control characters shown", () => {
    assert.equal(
      usageLine("error: unknown option '--x'\n(Did you mean --y?)\n"),
      "unknown option '--x' (Did you mean --y?)",
    );
    assert.equal(usageLine("error: bad \u001b[31m\n"), "bad \\x1b[31m");
  });
});

describe("--output into a missing directory", () => {
  it("says so once, for every command that writes a report", () => {
    const missing = path.join(work, "no-such-dir");
    for (const args of [
      ["scan", work, "-o", path.join(missing, "r.json")],
      ["policy", "-o", path.join(missing, "p.txt")],
      ["packages", work, "-f", "spdx", "-o", path.join(missing, "sbom.json")],
    ]) {
      const r = cli(...args);
      assertOneLine(r, new RegExp(`cannot write report to .*: the directory ${missing} does not exist\\n$`));
      assert.doesNotMatch(r.stderr, /ENOENT/);
    }
  });
});

describe("a reader that closes the pipe early", () => {
  it("amigate packages … | head -3: three lines, exit 0, nothing on stderr, 10 times out of 10", () => {
    const rootfs = debianRootfsPath();
    // More than a pipe holds (64 KiB): the writer is still writing when head exits.
    const full = cli("packages", rootfs, "-f", "cyclonedx");
    assert.equal(full.status, 0, full.stderr);
    assert.ok(full.stdout.length > 128 * 1024, `${full.stdout.length} bytes`);
    for (let run = 1; run <= 10; run++) {
      const format = run % 2 === 0 ? "text" : "cyclonedx";
      const r = spawnSync(
        "bash",
        ["-o", "pipefail", "-c", `${AMIGATE} packages ${rootfs} -f ${format} | head -3`],
        {
          cwd: work,
          encoding: "utf8",
          timeout: 60_000,
        },
      );
      assert.equal(r.stderr, "", `run ${run} (${format})`);
      assert.equal(r.status, 0, `run ${run} (${format})`);
      assert.equal(r.stdout.split("\n").length, 4, `run ${run}: ${r.stdout}`);
    }
  });

  it("a reader gone before the first write (| true) and a scan report into head -c: the command's own exit code", () => {
    const rootfs = debianRootfsPath();
    const gone = spawnSync("bash", ["-o", "pipefail", "-c", `${AMIGATE} packages ${rootfs} -f spdx | true`], {
      encoding: "utf8",
    });
    assert.equal(gone.stderr, "");
    assert.equal(gone.status, 0);
    // The scan's verdict (exit 1 on the seeded rootfs) survives the closed pipe under pipefail.
    const seeded = path.join(path.dirname(rootfs), "debian-bookworm-seeded");
    const scan = spawnSync(
      "bash",
      ["-o", "pipefail", "-c", `${AMIGATE} scan ${seeded} -f sarif | head -c 100`],
      {
        encoding: "utf8",
      },
    );
    assert.equal(scan.stderr, "");
    assert.equal(scan.status, 1);
  });
});
