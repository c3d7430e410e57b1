import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { REPO_ROOT } from "../../test/support/trees.js";
import { diskFixtures } from "../container/disk/testing.js";
import { DirectoryTree } from "../fs/directory.js";
import { Image } from "../fs/image.js";
import { MountedTree } from "../fs/mounted.js";
import { bufferByteSource } from "../io/file.js";
import { rules as allRules } from "../policy/rules/index.js";
import { countingSource, countingTree, ProgressBar, renderProgress, scanProgress } from "./progress.js";
import { runScan, showProgress } from "./scan.js";

const CLEAR = "\r\x1b[2K";

describe("renderProgress", () => {
  it("draws a bar, a percentage and MiB for a disk", () => {
    assert.equal(
      renderProgress({ label: "scanning d.vmdk", done: 210 * 1048576, total: 500 * 1048576, unit: "bytes" }),
      "scanning d.vmdk [##########..............]  42%  210 MiB of 500 MiB",
    );
    assert.match(renderProgress({ label: "x", done: 9e9, total: 1e9, unit: "bytes" }), /\[#{24}\] 100%/);
  });
  it("counts files when there is no total, and never wraps the terminal's line", () => {
    assert.equal(
      renderProgress({ label: "scanning root", done: 12345, unit: "files" }),
      "scanning root  12,345 files",
    );
    const line = renderProgress(
      { label: "scanning a-very-long-name.vmdk", done: 1, total: 2, unit: "bytes" },
      30,
    );
    assert.equal(line.length, 29);
    // The label is shortened before the numbers are cut.
    assert.equal(
      renderProgress(
        {
          label: "uploading a-long-name.img",
          done: 1048576,
          total: 4194304,
          unit: "bytes",
          bytesPerSecond: 1048576,
        },
        80,
      ),
      "uploading a-lon… [######..................]  25%  1.0 MiB of 4.0 MiB  1.0 MiB/s",
    );
    // A width the terminal did not report (0 under some ptys) falls back to 80 columns.
    assert.ok(renderProgress({ label: "s", done: 1, total: 2, unit: "bytes" }, 0).length > 40);
  });
});

describe("ProgressBar", () => {
  it("redraws at most every 100 ms and clears its line at the end", () => {
    const out: string[] = [];
    let now = 1000;
    const bar = new ProgressBar(
      { write: (t) => out.push(t) },
      { label: "s", done: 0, total: 100, unit: "bytes" },
      () => now,
    );
    bar.add(10); // first read: drawn at once
    now += 50;
    bar.add(10); // too soon
    now += 60;
    bar.add(10); // 110 ms after the first draw
    bar.finish();
    bar.add(10); // after finish: nothing
    assert.equal(out.length, 3);
    assert.ok(out[0]!.startsWith(CLEAR) && out[0]!.includes(" 10%"));
    assert.ok(out[1]!.includes(" 30%"));
    assert.equal(out[2], CLEAR);
  });
  it("shows the rate since it was made when asked (push, pull)", () => {
    const out: string[] = [];
    let now = 0;
    const bar = new ProgressBar(
      { write: (t) => out.push(t) },
      { label: "uploading d.img", done: 0, total: 100 * 1048576, unit: "bytes" },
      () => now,
      100,
      true,
    );
    now = 2000;
    bar.add(50 * 1048576);
    assert.equal(
      out[0],
      `${CLEAR}uploading d.img [############............]  50%  50 MiB of 100 MiB  25 MiB/s`,
    );
  });
  it("writes nothing at all when nothing was drawn", () => {
    const out: string[] = [];
    new ProgressBar({ write: (t) => out.push(t) }, { label: "s", done: 0, unit: "files" }).finish();
    assert.deepEqual(out, []);
  });
});

/** Every line the bar drew, in order, without the escape that clears the line. */
async function drawn(target: string): Promise<string[]> {
  const lines: string[] = [];
  await runScan(
    target,
    {
      format: "json",
      failOn: "high",
      output: path.join(os.tmpdir(), `amigate-progress-${process.pid}.json`),
    },
    {
      write: () => {},
      isTTY: false,
      noColor: true,
      rules: allRules,
      progress: { write: (t) => lines.push(t.replace(CLEAR, "")), columns: 200 },
    },
  );
  await fsp.rm(path.join(os.tmpdir(), `amigate-progress-${process.pid}.json`), { force: true });
  return lines.filter((l) => l !== "");
}

describe("scan progress: files or bytes walked, then bytes of what the content pass reads", () => {
  it("switches to a total at the first plan, adds later roots' plans, and draws the last step", () => {
    const out: string[] = [];
    const now = 0;
    const bar = new ProgressBar(
      { write: (t) => out.push(t) },
      { label: "s", done: 0, unit: "files" },
      () => now,
    );
    bar.add(500);
    const state = () => [bar.current.done, bar.current.unit, bar.current.total];
    assert.deepEqual(state(), [500, "files", undefined]);
    const progress = scanProgress(bar);
    progress.planned(1000);
    assert.deepEqual(state(), [0, "bytes", 1000]);
    progress.read(400);
    progress.planned(1000); // a second root
    assert.deepEqual(state(), [400, "bytes", 2000]);
    progress.read(1600); // same instant as the previous draws: still drawn, it completes the bar
    assert.match(out.at(-1)!, /\] 100% {2}0\.0 MiB of 0\.0 MiB$/);
    assert.equal(
      renderProgress({ label: "s", done: 0, total: 0, unit: "bytes" }),
      `s [${"#".repeat(24)}] 100%  nothing to read`,
    );
  });

  it("a disk image's bar reaches 100 % of what the content pass reads (not of the virtual disk)", async () => {
    const lines = await drawn(path.join(diskFixtures(), "gpt-stream.vmdk"));
    assert.match(lines[0]!, /^scanning gpt-stream\.vmdk {2}[\d.]+ MiB read$/);
    assert.match(lines.at(-1)!, /^scanning gpt-stream\.vmdk \[#{24}\] 100% {2}[\d.]+ MiB of [\d.]+ MiB$/);
    assert.ok(!lines.some((l) => / of 64 MiB$/.test(l)), "no percentage of the virtual disk");
  });

  it("an OVA of two disks draws bytes read, never going back, then reaches 100 %", async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), "amigate-progress-ova-"));
    try {
      for (const name of ["disk1.vmdk", "disk2.vmdk"])
        await fsp.copyFile(path.join(diskFixtures(), "gpt-stream.vmdk"), path.join(dir, name));
      await fsp.writeFile(path.join(dir, "vm.ovf"), "<Envelope/>\n");
      execFileSync("tar", ["-C", dir, "-cf", path.join(dir, "vm.ova"), "vm.ovf", "disk1.vmdk", "disk2.vmdk"]);
      const lines = await drawn(path.join(dir, "vm.ova"));
      const read = lines.map((l) => /^scanning vm\.ova {2}([\d.]+) MiB read$/.exec(l)?.[1]).filter(Boolean);
      assert.ok(read.length >= 1, lines.join("\n"));
      assert.deepEqual(
        read.map(Number),
        read.map(Number).sort((a, b) => a - b),
      );
      assert.match(lines.at(-1)!, /^scanning vm\.ova \[#{24}\] 100% {2}[\d.]+ MiB of [\d.]+ MiB$/);
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });

  it("a directory's bar counts files, then reaches 100 % of the bytes read", async () => {
    const lines = await drawn(path.join(REPO_ROOT, "fixtures"));
    assert.match(lines[0]!, /^scanning fixtures {2}[\d,]+ files$/);
    const last = /\] 100% {2}([\d.]+) MiB of ([\d.]+) MiB$/.exec(lines.at(-1)!);
    assert.ok(last, lines.at(-1));
    assert.equal(last[1], last[2]);
    assert.ok(Number(last[2]) > 0);
  });
});

describe("scan progress of an archive", () => {
  it("counts entries, then reaches 100 % of the bytes read", async () => {
    const archive = path.join(os.tmpdir(), `amigate-progress-${process.pid}.tar.gz`);
    try {
      const made = spawnSync("tar", ["-czf", archive, "-C", path.join(REPO_ROOT, "fixtures"), "."]);
      assert.equal(made.status, 0, String(made.stderr));
      const lines = await drawn(archive);
      assert.match(lines[0]!, /^scanning amigate-progress-\d+\.tar\.gz {2}[\d,]+ files$/);
      assert.match(lines.at(-1)!, /\] 100% {2}([\d.]+) MiB of \1 MiB$/);
    } finally {
      await fsp.rm(archive, { force: true });
    }
  });
});

describe("counting wrappers", () => {
  it("count bytes read from a ByteSource and entries listed in a FileTree", async () => {
    let bytes = 0;
    const source = countingSource(bufferByteSource(Buffer.alloc(4096)), (n) => {
      bytes += n;
    });
    await source.read(0, 512);
    await source.read(1024, 100);
    assert.equal(bytes, 612);
    assert.equal(source.size, 4096);
    let entries = 0;
    const image = new Image(
      countingTree(new DirectoryTree(path.join(REPO_ROOT, "fixtures")), (n) => {
        entries += n;
      }),
    );
    let walked = 0;
    for await (const _ of image.walk("/")) walked++;
    assert.equal(entries, walked);
  });

  it("pass a tree's readdirStats on (a walk without it lstats every entry by path)", async () => {
    const inner = new MountedTree([
      { mountPoint: "/", tree: new DirectoryTree(path.join(REPO_ROOT, "fixtures")) },
    ]);
    let entries = 0;
    const counted = countingTree(inner, (n) => {
      entries += n;
    });
    assert.ok(counted.readdirStats);
    const listed = await counted.readdirStats("/");
    assert.equal(entries, listed.length);
    assert.deepEqual(listed, await inner.readdirStats("/"));
    assert.equal(countingTree(new DirectoryTree(REPO_ROOT), () => {}).readdirStats, undefined);
  });
});

describe("when the bar is drawn", () => {
  it("only on a terminal stderr, not with --no-progress, not with JSON to stdout", () => {
    assert.equal(showProgress({ format: "text" }, true), true);
    assert.equal(showProgress({ format: "text" }, false), false);
    assert.equal(showProgress({ format: "text", progress: false }, true), false);
    assert.equal(showProgress({ format: "json" }, true), false);
    assert.equal(showProgress({ format: "json", output: "r.json" }, true), true);
    assert.equal(showProgress({ format: "text", quiet: true }, true), false);
  });
});

describe("amigate scan under a pseudo-terminal (script(1))", () => {
  const tmp = path.join(os.tmpdir(), `amigate-progress-${process.pid}`);
  after(() => fsp.rm(tmp, { recursive: true, force: true }));
  const hasScript = spawnSync("script", ["--version"]).status === 0;
  const cli = (args: string) =>
    `${process.execPath} --import ${import.meta.resolve("tsx")} ${path.join(REPO_ROOT, "src/cli/main.ts")} ${args}`;

  /** Runs the CLI with stderr on a pty and stdout in a file; returns what the terminal received. */
  function onTerminal(args: string, stdoutFile: string): string {
    const r = spawnSync("script", ["-qec", `${cli(args)} > ${stdoutFile}`, "/dev/null"], {
      encoding: "utf8",
      timeout: 120_000,
    });
    assert.equal(r.status, 1, r.stderr);
    return r.stdout;
  }

  it("draws bytes read of the disk, then a percentage of what is read, on stderr; clears the line; keeps the report clean", {
    skip: !hasScript,
  }, async () => {
    await fsp.mkdir(tmp, { recursive: true });
    const disk = path.join(diskFixtures(), "gpt-stream.vmdk");
    const report = path.join(tmp, "disk.txt");
    const terminal = onTerminal(`scan ${disk}`, report);
    assert.match(terminal, /^\r\x1b\[2Kscanning gpt-stream\.vmdk {2}[\d.]+ MiB read/);
    assert.match(terminal, /\r\x1b\[2Kscanning gpt-stream\.vmdk \[#{24}\] 100% {2}[\d.]+ MiB of [\d.]+ MiB/);
    assert.ok(terminal.endsWith(CLEAR), JSON.stringify(terminal.slice(-40)));
    const text = await fsp.readFile(report, "utf8");
    assert.match(text, /amigate .* scan report/);
    assert.ok(!text.includes("\x1b[2K") && !text.includes("scanning gpt-stream"));
    // --no-progress and JSON to stdout: nothing on the terminal.
    assert.equal(onTerminal(`scan --no-progress ${disk}`, report), "");
    assert.equal(onTerminal(`scan --format json ${disk}`, report), "");
    assert.equal(JSON.parse(await fsp.readFile(report, "utf8")).target.kind, "disk");
  });

  it("counts files walked for a directory", { skip: !hasScript }, async () => {
    const root = path.join(tmp, "root");
    await fsp.mkdir(path.join(root, "etc/ssh/sshd_config.d"), { recursive: true });
    await fsp.writeFile(path.join(root, "etc/os-release"), 'ID=debian\nVERSION_ID="12"\n');
    await fsp.writeFile(
      path.join(root, "etc/ssh/sshd_config.d/50-cloud-init.conf"),
      "PasswordAuthentication yes\n",
    );
    await fsp.writeFile(path.join(root, "etc/ssh/sshd_config"), "Include /etc/ssh/sshd_config.d/*.conf\n");
    const terminal = onTerminal(`scan ${root}`, path.join(tmp, "dir.txt"));
    assert.match(terminal, /^\r\x1b\[2Kscanning root {2}\d+ files/);
    assert.ok(terminal.endsWith(CLEAR));
  });
});
