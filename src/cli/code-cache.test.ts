import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { codeCacheDir } from "./code-cache.js";

const CODE_CACHE = path.resolve(import.meta.dirname, "code-cache.ts");
const HEAP_GROWTH = path.resolve(import.meta.dirname, "heap-growth.ts");
const work = mkdtempSync(path.join(os.tmpdir(), "amigate-code-cache-"));
after(() => rmSync(work, { recursive: true, force: true }));

/** A CommonJS bundle with enough functions that V8's cache of it is worth checking. */
const BUNDLE = path.join(work, "bundle.cjs");
writeFileSync(
  BUNDLE,
  [
    '"use strict";',
    ...Array.from({ length: 200 }, (_, i) => `function f${i}(x) { return x * ${i} + ${i % 7}; }`),
    `exports.sum = (n) => { let s = 0; for (let i = 0; i < n; i++) s += [${Array.from({ length: 200 }, (_, i) => `f${i}`).join(",")}][i % 200](i); return s; };`,
    "exports.file = __filename;",
    "exports.required = typeof require('node:path').join;",
  ].join("\n"),
);

/**
 * The driver runs in its own node, as the CLI does: loads the bundle through the cache, calls it,
 * prints what became of the cache, and exits with `exitCode`. `spoil` sets a V8 flag while running
 * (as the scan's heap limit does), `undo` puts it back before the cache is made.
 */
const DRIVER = path.join(work, "driver.mjs");
writeFileSync(
  DRIVER,
  `
import v8 from "node:v8";
import { requireWithCodeCache } from ${JSON.stringify(CODE_CACHE)};
import { limitHeapGrowth, undoHeapGrowthLimit } from ${JSON.stringify(HEAP_GROWTH)};
const [dir, exitCode, spoil, undo] = process.argv.slice(2);
const loaded = requireWithCodeCache(${JSON.stringify(BUNDLE)}, {
  dir: dir === "-" ? undefined : dir,
  sourceHash: "test-source",
  makeOnExit: (code) => code === 0,
  beforeMake: undo === "undo" ? undoHeapGrowthLimit : undefined,
});
if (spoil === "spoil") limitHeapGrowth([], "", 0);
const { sum, file, required } = loaded.exports;
console.log(JSON.stringify({ state: loaded.state, cacheFile: loaded.cacheFile, sum: sum(1000), file, required }));
process.exitCode = Number(exitCode);
`,
);

interface Run {
  state: string;
  cacheFile: string | undefined;
  sum: number;
  file: string;
  required: string;
}

function run(dir: string, { exitCode = 0, spoil = false, undo = false, flags = [] as string[] } = {}): Run {
  const r = spawnSync(
    process.execPath,
    [...flags, "--import", "tsx", DRIVER, dir, String(exitCode), spoil ? "spoil" : "-", undo ? "undo" : "-"],
    { encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "" } },
  );
  assert.equal(r.status, exitCode, r.stderr);
  return JSON.parse(r.stdout.trim()) as Run;
}

const EXPECTED_SUM = (() => {
  let s = 0;
  for (let i = 0; i < 1000; i++) s += (i % 200) * i + ((i % 200) % 7);
  return s;
})();

/** Two runs: the first leaves the mark, the second the cache. */
function warm(dir: string, options: Parameters<typeof run>[1] = {}): Run {
  const first = run(dir, options);
  assert.equal(first.state, "missing");
  return run(dir, options);
}

describe("the code cache", () => {
  it("is marked by the first run that earns it, made by the second, used by the next, not rewritten", () => {
    const dir = path.join(work, "made");
    const first = run(dir);
    assert.equal(first.state, "missing");
    assert.equal(first.sum, EXPECTED_SUM);
    assert.equal(first.file, BUNDLE, "__filename is the bundle's");
    assert.equal(first.required, "function", "require works as the bundle's own");
    assert.match(path.basename(first.cacheFile!), /^bundle-[0-9a-f]{24}\.v8$/);
    assert.deepEqual(readdirSync(dir), [`${path.basename(first.cacheFile!)}.seen`], "only the mark");
    const second = run(dir);
    assert.equal(second.state, "missing");
    assert.equal(second.sum, EXPECTED_SUM);
    assert.deepEqual(readdirSync(dir), [path.basename(first.cacheFile!)], "the cache, and the mark gone");
    const made = statSync(first.cacheFile!);
    assert.ok(made.mode % 0o1000 === 0o600, "readable by its owner only");
    const third = run(dir);
    assert.equal(third.state, "used");
    assert.equal(third.sum, EXPECTED_SUM);
    assert.equal(run(dir).state, "used");
    assert.equal(statSync(first.cacheFile!).mtimeMs, made.mtimeMs, "a used cache is not rewritten");
  });

  it("is neither marked nor made by a run that ends with another exit code", () => {
    const dir = path.join(work, "failed");
    assert.equal(run(dir, { exitCode: 2 }).state, "missing");
    assert.equal(run(dir, { exitCode: 2 }).state, "missing");
    assert.equal(existsSync(dir), false, "nothing written, not even the directory");
  });

  it("is a file per flag set: runs with other node flags do not take each other's", () => {
    const dir = path.join(work, "flags");
    const plain = warm(dir);
    const other = warm(dir, { flags: ["--stack-size=900"] });
    assert.notEqual(other.cacheFile, plain.cacheFile);
    assert.equal(run(dir).state, "used");
    assert.equal(run(dir, { flags: ["--stack-size=900"] }).state, "used");
  });

  it("treats a damaged or foreign file as none and replaces it at once", () => {
    const dir = path.join(work, "damaged");
    const { cacheFile } = warm(dir);
    const good = readFileSync(cacheFile!);
    for (const damage of [
      (b: Buffer) => b.subarray(0, b.length - 100),
      (b: Buffer) => {
        const c = Buffer.from(b);
        c[c.length - 50]! ^= 0xff;
        return c;
      },
      () => Buffer.from("not a cache"),
      () => Buffer.alloc(0),
    ]) {
      writeFileSync(cacheFile!, damage(good));
      const r = run(dir);
      assert.equal(r.state, "missing");
      assert.equal(r.sum, EXPECTED_SUM);
      assert.equal(run(dir).state, "used", "the run after a damaged cache made a good one");
    }
  });

  it("passes over a cache another user made or could have changed, and makes its own", () => {
    const dir = path.join(work, "foreign");
    const { cacheFile } = warm(dir);
    chmodSync(cacheFile!, 0o664);
    assert.equal(run(dir).state, "missing", "group-writable");
    assert.equal(statSync(cacheFile!).mode % 0o1000, 0o600, "replaced by the user's own");
    assert.equal(run(dir).state, "used");
    if (process.getuid?.() === 0) {
      chownSync(cacheFile!, 65534, 65534);
      assert.equal(run(dir).state, "missing", "another user's");
      assert.equal(statSync(cacheFile!).uid, 0);
      assert.equal(run(dir).state, "used");
    }
  });

  it("is refused by V8 when made under other flags, and then made again at once", () => {
    const dir = path.join(work, "refused");
    // The heap limit set while running changes V8's flag hash: the cache made at exit is refused.
    warm(dir, { spoil: true });
    assert.equal(run(dir).state, "rejected");
    assert.equal(run(dir).state, "used");
    // Put back before the cache is made, the flag leaves a cache the next run takes.
    const undone = path.join(work, "undone");
    warm(undone, { spoil: true, undo: true });
    assert.equal(run(undone).state, "used");
  });

  it("runs the bundle when the directory cannot be written, or caching is off", () => {
    const blocked = path.join(work, "blocked");
    writeFileSync(blocked, "a file where the directory would be");
    const r = warm(path.join(blocked, "code-cache"));
    assert.equal(r.state, "missing");
    assert.equal(r.sum, EXPECTED_SUM);
    const off = run("-");
    assert.equal(off.state, "off");
    assert.equal(off.cacheFile, undefined);
    assert.equal(off.sum, EXPECTED_SUM);
  });

  it("keeps the newest few files and marks of the bundle and leaves other files alone", () => {
    const dir = path.join(work, "pruned");
    mkdirSync(dir, { recursive: true });
    const old = Array.from({ length: 6 }, (_, i) =>
      path.join(dir, `bundle-${String(i).repeat(24)}.v8${i % 2 ? ".seen" : ""}`),
    );
    old.forEach((file, i) => {
      writeFileSync(file, "old");
      const daysAgo = new Date(Date.now() - (i + 1) * 86_400_000);
      utimesSync(file, daysAgo, daysAgo);
    });
    writeFileSync(path.join(dir, "other-file.v8"), "not ours");
    const { cacheFile } = warm(dir);
    assert.deepEqual(
      readdirSync(dir).sort(),
      [path.basename(cacheFile!), "other-file.v8", ...old.slice(0, 3).map((f) => path.basename(f))].sort(),
    );
  });

  it("lives in AMIGATE_CODE_CACHE, else the user cache; off turns it off", () => {
    assert.equal(codeCacheDir({ AMIGATE_CODE_CACHE: "/somewhere" }), "/somewhere");
    for (const off of ["off", "0", "false", "NO"])
      assert.equal(codeCacheDir({ AMIGATE_CODE_CACHE: off }), undefined);
    assert.equal(codeCacheDir({ XDG_CACHE_HOME: "/xdg" }), "/xdg/amigate/code-cache");
    assert.equal(codeCacheDir({}), path.join(os.homedir(), ".cache/amigate/code-cache"));
  });
});
