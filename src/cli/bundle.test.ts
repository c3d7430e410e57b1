/**
 * The shipped CLI is the esbuild bundle (scripts/bundle.mjs), not the TypeScript the other tests
 * run through tsx. Built here into an installed-package layout (package.json, data/, dist/ and
 * node_modules side by side) and run the way a user runs it, as a program through its /bin/sh
 * launcher (which starts `node` from PATH): the same report as the source for a directory and a
 * .tar.zst (lazy chunks: yaml, the tar reader, zstd), and `serve` scanning a pushed disk in its
 * worker thread (the worker is a separate entry found next to the chunks).
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { writeFile } from "node:fs/promises";
import { SourceMap, type SourceMapPayload } from "node:module";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { pathToFileURL } from "node:url";
import { createAccount, startServer, waitForScan } from "../../test/support/server-process.js";
import { REPO_ROOT } from "../../test/support/trees.js";
import { ONE_SHOT_COMMANDS } from "./one-shot-names.js";

const pkg = mkdtempSync(path.join(os.tmpdir(), "amigate-bundle-"));
const BUNDLE = path.join(pkg, "dist/amigate.js");
const DISK = path.join(
  process.env.AMIGATE_FIXTURES ?? path.join(os.homedir(), ".cache/amigate-fixtures"),
  "disk/gpt.qcow2",
);
let seeded: string;

before(() => {
  copyFileSync(path.join(REPO_ROOT, "package.json"), path.join(pkg, "package.json"));
  symlinkSync(path.join(REPO_ROOT, "data"), path.join(pkg, "data"));
  symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(pkg, "node_modules"));
  execFileSync(
    process.execPath,
    [path.join(REPO_ROOT, "scripts/bundle.mjs"), "--outdir", path.join(pkg, "dist")],
    {
      stdio: "inherit",
    },
  );
  seeded = execFileSync("bash", [path.join(REPO_ROOT, "fixtures/debian-seeded.sh")], {
    encoding: "utf8",
  }).split("\n")[0]!;
});
after(() => rmSync(pkg, { recursive: true, force: true }));

function run(
  args: string[],
  fromSource: boolean,
  env: NodeJS.ProcessEnv = {},
): { status: number | null; stdout: string; stderr: string } {
  // The bundle runs as a program, through its launcher, as a user's shell runs it.
  const [command, ...cli] = fromSource
    ? [process.execPath, "--import", "tsx", path.join(REPO_ROOT, "src/cli/main.ts")]
    : [BUNDLE];
  const r = spawnSync(command!, [...cli, ...args], {
    cwd: pkg,
    env: { ...process.env, AMIGATE_CODE_CACHE: path.join(pkg, "code-cache"), ...env },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A JSON report without what differs between two runs (times). */
function report(stdout: string): unknown {
  return JSON.parse(stdout, (key, value) =>
    key === "durationMs" || key === "scannedAt" || key === "generatedAt" ? undefined : value,
  );
}

test("--version is the package's version", () => {
  const r = run(["--version"], false);
  assert.equal(r.status, 0, r.stderr);
  const { version } = JSON.parse(readFileSync(path.join(pkg, "package.json"), "utf8")) as { version: string };
  assert.equal(r.stdout.trim(), version);
});

for (const [name, target] of [
  ["the seeded rootfs directory", () => seeded],
  ["the seeded rootfs as .tar.zst", () => `${seeded}.tar.zst`],
] as const) {
  test(`the bundle's report on ${name} is the source's`, () => {
    const args = ["scan", target(), "--format", "json", "--as-of", "2026-03-01"];
    // The bundle scans text in its content thread (content-worker.js beside the chunks), the
    // source on one thread: the reports are the same.
    const bundled = run(args, false, { AMIGATE_CONTENT_THREAD: "always" });
    const source = run(args, true, { AMIGATE_CONTENT_THREAD: "off" });
    assert.equal(bundled.status, 1, bundled.stderr);
    assert.equal(source.status, 1, source.stderr);
    const b = report(bundled.stdout) as { findings: unknown[]; unknowns: unknown[] };
    assert.ok(b.findings.length >= 6);
    assert.deepEqual(b.unknowns, []);
    assert.deepEqual(b, report(source.stdout));
  });
}

test("fix from the bundle: the source's plan, and applied to a .tar.zst the same archive and re-scan", () => {
  const archive = `${seeded}.tar.zst`;
  const plan = ["fix", archive, "--dry-run"];
  const bundledPlan = run(plan, false);
  assert.equal(bundledPlan.status, 0, bundledPlan.stderr);
  assert.match(bundledPlan.stdout, /^Plan for .*: \d+ change\(s\)/);
  assert.equal(bundledPlan.stdout, run(plan, true).stdout);
  const out = mkdtempSync(path.join(pkg, "fix-out-"));
  const applied = (fromSource: boolean) => {
    const to = path.join(out, fromSource ? "source.tar.zst" : "bundle.tar.zst");
    const r = run(
      ["fix", archive, "--yes", "-o", to, "--as-of", "2026-03-01", "--journal", `${to}.jsonl`],
      fromSource,
    );
    const members = execFileSync("tar", ["--zstd", "-tvf", to], {
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    })
      .split("\n")
      // Permissions, size and name: a truncated file's time is when fix ran.
      .map((line) =>
        line
          .split(/\s+/)
          .filter((_, i) => i === 0 || i === 2 || i >= 5)
          .join(" "),
      );
    return { ...r, members };
  };
  const bundled = applied(false);
  const source = applied(true);
  assert.equal(bundled.status, 1, bundled.stderr);
  assert.match(bundled.stdout, /Applied (\d+) of \1 change\(s\)/);
  assert.equal(bundled.stdout, source.stdout);
  assert.ok(bundled.members.length > 1000);
  assert.deepEqual(bundled.members, source.members);
});

test("the bundle's server scans a pushed disk in its worker thread", {
  skip: !existsSync(DISK),
}, async () => {
  process.env.AMIGATE_TEST_CLI = BUNDLE;
  const server = await startServer();
  try {
    const keys = createAccount(server.dataDir, "bundle");
    const out = execFileSync(
      process.execPath,
      [BUNDLE, "push", DISK, "--name", "bundled", "--endpoint", server.url, "--json"],
      {
        encoding: "utf8",
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: keys.accessKeyId,
          AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
        },
      },
    );
    const { imageId } = JSON.parse(out) as { imageId: string };
    const scan = await waitForScan(server, keys, imageId);
    assert.equal(scan.status, "done", JSON.stringify(scan));
    assert.equal((scan.report as { tool: { name: string } }).tool.name, "amigate");
  } finally {
    delete process.env.AMIGATE_TEST_CLI;
    await server.stop();
  }
});

test("the bin runs as a program: executed, and under dash, busybox sh and bash", () => {
  const { version } = JSON.parse(readFileSync(path.join(pkg, "package.json"), "utf8")) as { version: string };
  for (const command of [[BUNDLE], ["dash", BUNDLE], ["busybox", "sh", BUNDLE], ["bash", BUNDLE]]) {
    const r = spawnSync(command[0]!, [...command.slice(1), "--version"], { cwd: pkg, encoding: "utf8" });
    assert.equal(r.status, 0, `${command.join(" ")}: ${r.error ?? r.stderr}`);
    assert.equal(r.stdout.trim(), version, command.join(" "));
  }
});

test("the launcher hands node its arguments unchanged, with the malloc, V8 pool, young-generation and optimization settings for the one-shot image commands", async () => {
  // A `node` first on PATH that prints what it was given.
  const fake = mkdtempSync(path.join(pkg, "fake-bin-"));
  await writeFile(
    path.join(fake, "node"),
    '#!/bin/sh\nprintf "%s\\n" "GLIBC_TUNABLES=${GLIBC_TUNABLES-(unset)}" "$@"\n',
    {
      mode: 0o755,
    },
  );
  const launch = (env: NodeJS.ProcessEnv, args: string[]) => {
    const base: NodeJS.ProcessEnv = { ...process.env, PATH: `${fake}:${process.env.PATH}` };
    delete base.GLIBC_TUNABLES;
    delete base.NODE_OPTIONS;
    const r = spawnSync(BUNDLE, args, { env: { ...base, ...env }, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.split("\n").slice(0, -1);
  };
  let online = "";
  try {
    online = readFileSync("/sys/devices/system/cpu/online", "utf8").trim();
  } catch {}
  const pool = online === "0" || online === "0-1" ? ["--v8-pool-size=1"] : [];
  const args = ["scan", "a b", "$HOME", "*", "", "--format=json", "it's"];
  const young = "--max-semi-space-size=8";
  const budget = "--interrupt-budget=270336";
  assert.deepEqual(launch({}, args), [
    "GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=268435456:glibc.malloc.arena_max=2",
    ...pool,
    young,
    budget,
    BUNDLE,
    ...args,
  ]);
  // What the user set wins: their tunables (even none), their pool size.
  assert.deepEqual(launch({ GLIBC_TUNABLES: "glibc.malloc.arena_max=2" }, ["scan", "x"]).slice(0, 1), [
    "GLIBC_TUNABLES=glibc.malloc.arena_max=2",
  ]);
  assert.deepEqual(launch({ GLIBC_TUNABLES: "" }, ["scan", "x"]).slice(0, 1), ["GLIBC_TUNABLES="]);
  for (const options of ["--v8-pool-size=3", "--max-old-space-size=512 --v8_pool_size=2"]) {
    assert.deepEqual(
      launch({ NODE_OPTIONS: options }, ["fix", "x"]).slice(1),
      [young, budget, BUNDLE, "fix", "x"],
      options,
    );
  }
  for (const options of ["--max-semi-space-size=32", "--max_semi_space_size=2 --v8-pool-size=2"]) {
    const given = launch({ NODE_OPTIONS: options }, ["scan", "x"]).slice(1);
    assert.deepEqual(given.slice(-3), [BUNDLE, "scan", "x"], options);
    assert.ok(!given.includes(young), `${options}: ${given.join(" ")}`);
  }
  for (const command of ["inspect", "packages"]) {
    assert.deepEqual(
      launch({}, [command, "x"]).slice(1),
      [...pool, young, budget, BUNDLE, command, "x"],
      command,
    );
  }
  // The long-running commands, and the rest, start with node's defaults.
  for (const args of [["serve", "--port", "0"], ["worker"], ["--version"], ["scanner"], []]) {
    assert.deepEqual(launch({}, args), ["GLIBC_TUNABLES=(unset)", BUNDLE, ...args], args.join(" "));
  }
});

test("the one-shot commands start without NODE_EXTRA_CA_CERTS, which they cannot use; the rest keep it", () => {
  // Node reads the file as it starts and warns when it cannot: the warning shows whether it did.
  const env = { NODE_EXTRA_CA_CERTS: path.join(pkg, "no-such-ca.pem") };
  const warned = (r: { stderr: string }) => r.stderr.includes("Ignoring extra certs from");
  const root = mkdtempSync(path.join(pkg, "tiny-root-"));
  writeFileSync(path.join(root, "motd"), "hello\n");
  const scan = run(["scan", root, "--format", "json"], false, env);
  assert.ok(scan.status === 0 || scan.status === 1, scan.stderr);
  assert.equal(warned(scan), false, scan.stderr);
  assert.equal(warned(run(["--version"], false, env)), true, "--version keeps the variable");
  // Dropping it is safe only while the bundle those commands run cannot open a TLS connection.
  const bundle = readFileSync(path.join(pkg, "dist/one-shot.cjs"), "utf8");
  for (const module of ["tls", "https", "http2", "http"]) {
    assert.doesNotMatch(bundle, new RegExp(`require\\("(node:)?${module}"\\)`), module);
  }
  assert.match(bundle, /require\("node:zlib"\)/, "the pattern finds the bundle's requires");
});

test("the content thread's bundle starts without child_process and net: it sniffs formats, decompresses nothing", async () => {
  // Node's own modules a thread loads are compiled in each thread as it starts: a thread per core
  // starts mid-scan, on the cores the scan needs.
  const { Worker } = await import("node:worker_threads");
  const url = pathToFileURL(path.join(pkg, "dist/content-worker.js")).href;
  const probe = new Worker(
    `const { parentPort } = require("node:worker_threads");
     const before = new Set(process.moduleLoadList);
     import(${JSON.stringify(url)}).then(() =>
       parentPort.postMessage(process.moduleLoadList.filter((m) => !before.has(m))));`,
    { eval: true },
  );
  try {
    const loaded = await new Promise<string[]>((resolve, reject) => {
      probe.once("message", resolve);
      probe.once("error", reject);
    });
    for (const module of ["child_process", "net", "dgram"])
      assert.ok(!loaded.includes(`NativeModule ${module}`), `${module}: ${loaded.join(" ")}`);
    // The list is node's own: it names what the thread does load.
    assert.ok(loaded.includes("NativeModule zlib"), loaded.join(" "));
  } finally {
    await probe.terminate();
  }
});

test("the launcher's one-shot commands are those one-shot.ts bundles", () => {
  const line = readFileSync(BUNDLE, "utf8")
    .split("\n")
    .find((l) => l.includes('case "$1" in'));
  const listed = /case "\$1" in ([^)]*)\)/
    .exec(line ?? "")?.[1]
    ?.split("|")
    .map((name) => name.trim());
  assert.deepEqual(listed?.sort(), [...ONE_SHOT_COMMANDS].sort());
});

test("the one-shot commands keep V8's code cache: the second scan leaves it, the next takes it, same report", () => {
  const cache = mkdtempSync(path.join(pkg, "code-cache-"));
  const env = { AMIGATE_CODE_CACHE: cache };
  const files = () => readdirSync(cache).filter((name) => name.endsWith(".v8"));
  const args = ["scan", seeded, "--format", "json", "--as-of", "2026-03-01"];
  // Runs that reach no verdict leave nothing: help, and a scan of nothing.
  assert.equal(run(["scan", "--help"], false, env).status, 0);
  assert.equal(run(["scan", path.join(pkg, "no-such-image")], false, env).status, 2);
  assert.deepEqual(readdirSync(cache), []);
  // The first scan marks that it ran; the second makes the cache.
  const first = run(args, false, env);
  assert.equal(first.status, 1, first.stderr);
  assert.deepEqual(files(), []);
  assert.equal(readdirSync(cache).length, 1, "the first scan's mark");
  assert.equal(run(args, false, env).status, 1);
  assert.equal(files().length, 1, "the second scan left one cache file");
  const file = path.join(cache, files()[0]!);
  const made = statSync(file).mtimeMs;
  const cached = run(args, false, env);
  assert.equal(cached.status, 1, cached.stderr);
  assert.deepEqual(report(cached.stdout), report(first.stdout));
  assert.equal(statSync(file).mtimeMs, made, "the third scan took the cache and did not rewrite it");
  // A damaged cache is none: the scan runs as without, and makes a good one again.
  const good = readFileSync(file);
  writeFileSync(file, good.subarray(0, good.length >> 1));
  const damaged = run(args, false, env);
  assert.equal(damaged.status, 1, damaged.stderr);
  assert.deepEqual(report(damaged.stdout), report(first.stdout));
  assert.ok(statSync(file).size > good.length * 0.9, "a whole cache again");
  // Off: nothing read or written.
  const off = mkdtempSync(path.join(pkg, "code-cache-off-"));
  assert.equal(run(args, false, { AMIGATE_CODE_CACHE: "off", XDG_CACHE_HOME: off, HOME: off }).status, 1);
  assert.deepEqual(readdirSync(off), []);
});

test("the source map still points at the source under the launcher's lines", () => {
  const code = readFileSync(BUNDLE, "utf8").split("\n");
  const map = new SourceMap(JSON.parse(readFileSync(`${BUNDLE}.map`, "utf8")) as SourceMapPayload);
  const source = readFileSync(path.join(REPO_ROOT, "src/cli/main.ts"), "utf8").split("\n");
  const text = "amigate: no command given";
  const line = code.findIndex((l) => l.includes(text));
  const column = code[line]!.indexOf(text);
  assert.ok(line > 5, "the message is in the bundle below the launcher");
  const entry = map.findEntry(line, column) as { originalSource?: string; originalLine?: number };
  assert.ok(entry.originalSource?.endsWith("src/cli/main.ts"), JSON.stringify(entry));
  assert.ok(
    source[entry.originalLine!]!.includes(text),
    `line ${entry.originalLine}: ${source[entry.originalLine!]}`,
  );
});
