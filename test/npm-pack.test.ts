/**
 * `npm pack` makes a package that installs on a clean machine and works: dist/ built at pack time
 * (prepack), only what a user needs in the tarball, and only the runtime dependencies the bundle
 * leaves outside itself (better-sqlite3, a native addon). Installed with `npm install -g` into a
 * throwaway prefix — the way a user installs it — then run: --version, a scan, an SBOM, serve.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from "node:fs";
import { builtinModules } from "node:module";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { DescribeImagesCommand } from "@aws-sdk/client-ec2";
import { ec2Client } from "./support/server-process.js";
import { REPO_ROOT } from "./support/trees.js";

const work = mkdtempSync(path.join(os.tmpdir(), "amigate-pack-"));
after(() => rmSync(work, { recursive: true, force: true }));
const prefix = path.join(work, "prefix");
const installed = path.join(prefix, "bin/amigate");
const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as {
  version: string;
  dependencies: Record<string, string>;
};
let packed: { filename: string; files: Array<{ path: string }> };
let seeded: string;

before(() => {
  // Packed from a copy of the package's files with dist/ built by the same script prepack runs,
  // so the repository's own dist/ (which `npm run demo` builds and runs) is never rebuilt under a
  // concurrent test.
  const source = path.join(work, "source");
  mkdirSync(source);
  for (const f of ["package.json", "README.md"]) copyFileSync(path.join(REPO_ROOT, f), path.join(source, f));
  cpSync(path.join(REPO_ROOT, "data"), path.join(source, "data"), { recursive: true });
  mkdirSync(path.join(source, "native/inflate"), { recursive: true });
  mkdirSync(path.join(source, "scripts"));
  for (const f of ["native/inflate/binding.gyp", "native/inflate/inflate.c", "scripts/build-native.mjs"])
    copyFileSync(path.join(REPO_ROOT, f), path.join(source, f));
  execFileSync(
    process.execPath,
    [path.join(REPO_ROOT, "scripts/bundle.mjs"), "--outdir", path.join(source, "dist")],
    {
      stdio: "inherit",
    },
  );
  const out = execFileSync("npm", ["pack", "--ignore-scripts", "--pack-destination", work, "--json"], {
    cwd: source,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  packed = (JSON.parse(out) as Array<typeof packed>)[0]!;
  const r = spawnSync(
    "npm",
    [
      "install",
      "-g",
      "--prefix",
      prefix,
      path.join(work, packed.filename),
      "--no-audit",
      "--no-fund",
      "--prefer-offline",
    ],
    // npm 11 runs a package's install scripts only when allowed: better-sqlite3's, and amigate's
    // own, which builds the optional libdeflate addon (README, Install).
    {
      cwd: work,
      encoding: "utf8",
      env: { ...process.env, npm_config_allow_scripts: "better-sqlite3,amigate" },
    },
  );
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  seeded = execFileSync("bash", [path.join(REPO_ROOT, "fixtures/debian-seeded.sh")], {
    encoding: "utf8",
  }).split("\n")[0]!;
});

test("npm pack builds dist/ first (prepack runs the build this test runs)", () => {
  const scripts = (
    JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    }
  ).scripts;
  assert.equal(scripts.prepack, "npm run build");
  assert.equal(scripts.build, "node scripts/bundle.mjs");
});

test("the tarball holds package.json, README, dist/, data/ and the native addon's sources only", () => {
  const tops = new Set(packed.files.map((f) => f.path.split("/")[0]));
  assert.deepEqual([...tops].sort(), ["README.md", "data", "dist", "native", "package.json", "scripts"]);
  assert.deepEqual(
    packed.files
      .map((f) => f.path)
      .filter((p) => /^(native|scripts)\//.test(p))
      .sort(),
    ["native/inflate/binding.gyp", "native/inflate/inflate.c", "scripts/build-native.mjs"],
  );
  assert.ok(packed.files.some((f) => f.path === "dist/amigate.js"));
  assert.ok(packed.files.some((f) => f.path === "dist/scan-worker.js"));
});

test("runtime dependencies are exactly the modules the bundle imports", () => {
  // Every bare import left in dist/ (not node: built-ins) must be a declared dependency, and every
  // declared dependency must be imported: the rest is bundled and belongs in devDependencies.
  const dist = path.join(prefix, "lib/node_modules/amigate/dist");
  const bare = new Set<string>();
  const NAME = /^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*(\/[\w./-]*)?$/;
  const IMPORT =
    /(?:^|[;\n])\s*(?:import|export)\s[^;]*?\bfrom\s*["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']\s*\)|\brequire\s*\(\s*["']([^"']+)["']\s*\)/g;
  for (const f of readdirSync(dist).filter((n) => n.endsWith(".js"))) {
    const text = readFileSync(path.join(dist, f), "utf8");
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2] ?? m[3]!;
      if (spec.startsWith("node:") || spec.startsWith(".") || !NAME.test(spec)) continue;
      bare.add(spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!);
    }
  }
  const builtins = new Set(builtinModules);
  // Loaded only inside a try, for what amigate never asks of them: the AWS SDK's SigV4a (multi-region
  // access points), and https-proxy-agent's Negotiate (Kerberos) proxy authentication.
  const optional = new Set(["@aws-sdk/signature-v4-crt", "@aws-sdk/signature-v4a", "kerberos"]);
  const external = [...bare].filter((n) => !builtins.has(n) && !optional.has(n)).sort();
  assert.deepEqual(external, Object.keys(pkg.dependencies).sort());
});

test("installing builds the libdeflate addon where libdeflate's headers are", (t) => {
  if (!existsSync("/usr/include/libdeflate.h")) return t.skip("no libdeflate-dev here: zlib only");
  const addon = path.join(
    prefix,
    "lib/node_modules/amigate/native/inflate/build/Release/amigate_inflate.node",
  );
  assert.ok(existsSync(addon), addon);
});

test("the installed amigate says its version", () => {
  assert.equal(execFileSync(installed, ["--version"], { encoding: "utf8" }).trim(), pkg.version);
});

test("the installed amigate scans the seeded rootfs like the source does (exit 1, the same findings)", () => {
  const args = ["scan", seeded, "--format", "json", "--as-of", "2026-03-01"];
  const run = (cmd: string, pre: string[]) =>
    spawnSync(cmd, [...pre, ...args], { encoding: "utf8", maxBuffer: 64 << 20 });
  const got = run(installed, []);
  const source = run(process.execPath, ["--import", "tsx", path.join(REPO_ROOT, "src/cli/main.ts")]);
  assert.equal(got.status, 1, got.stderr);
  const rules = (s: string) =>
    (JSON.parse(s) as { findings: Array<{ rule: string; path?: string }> }).findings
      .map((f) => `${f.rule} ${f.path ?? ""}`)
      .sort();
  assert.ok(rules(got.stdout).length >= 6);
  assert.deepEqual(rules(got.stdout), rules(source.stdout));
});

test("the installed amigate writes a CycloneDX SBOM", () => {
  const out = execFileSync(installed, ["packages", seeded, "--format", "cyclonedx"], {
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  const bom = JSON.parse(out) as { bomFormat: string; specVersion: string; components: unknown[] };
  assert.equal(bom.bomFormat, "CycloneDX");
  assert.equal(bom.specVersion, "1.6");
  assert.ok(bom.components.length > 100);
});

test("the installed amigate serves the catalogue (its SQLite addon built at install)", async () => {
  const child = spawn(installed, ["serve", "--port", "0", "--data-dir", path.join(work, "data")], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  try {
    let stdout = "";
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not start: ${stdout}`)), 60_000);
      child.stdout!.on("data", (d) => {
        stdout += d;
        const m = /listening on (http:\/\/\S+)/.exec(stdout);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      child.once("exit", (code) => reject(new Error(`serve exited ${code}`)));
    });
    const key = /AWS_ACCESS_KEY_ID=(\S+)/.exec(stdout)![1]!;
    const secret = /AWS_SECRET_ACCESS_KEY=(\S+)/.exec(stdout)![1]!;
    const res = await ec2Client(url, { accessKeyId: key, secretAccessKey: secret }).send(
      new DescribeImagesCommand({ Owners: ["self"] }),
    );
    assert.deepEqual(res.Images, []);
  } finally {
    child.kill("SIGTERM");
  }
});
