/**
 * The shipped CLI is the esbuild bundle (scripts/bundle.mjs), not the TypeScript the other tests
 * run through tsx. Built here into an installed-package layout (package.json, data/, dist/ and
 * node_modules side by side) and run the way a user runs it: the same report as the source for a
 * directory and a .tar.zst (lazy chunks: yaml, the tar reader, zstd), and `serve` scanning a pushed
 * disk in its worker thread (the worker is a separate entry found next to the chunks).
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { createAccount, startServer, waitForScan } from "../../test/support/server-process.js";
import { REPO_ROOT } from "../../test/support/trees.js";

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
  const cli = fromSource ? ["--import", "tsx", path.join(REPO_ROOT, "src/cli/main.ts")] : [BUNDLE];
  const r = spawnSync(process.execPath, [...cli, ...args], {
    cwd: pkg,
    env: { ...process.env, ...env },
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
