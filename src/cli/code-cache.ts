import { createHash } from "node:crypto";
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  type Stats,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import vm from "node:vm";
import { userCacheDir } from "../io/user-cache.js";

/**
 * V8's code cache for a CommonJS bundle, kept between runs: what Node 22's `module.enableCompileCache`
 * does for every module, by hand, because Node 20 has no such API (nor any code cache for ES modules).
 * With the bytecode V8 made in an earlier run, a one-shot scan skips compiling the functions it runs
 * (what that saves: docs/performance.md, "The code cache").
 */

/** What became of the cache in this run. */
export type CodeCacheState =
  /** V8 took the cached code. */
  | "used"
  /**
   * No cache yet, or V8 refused it: if the run earns it, one is made at exit, except by the first
   * run, which leaves a mark for the next.
   */
  | "missing"
  /** V8 refused the cache (made under other flags or by another V8): a new one is made at exit. */
  | "rejected"
  /** Caching is off (AMIGATE_CODE_CACHE=off). */
  | "off";

export interface CodeCacheOptions {
  /** The cache directory; undefined: run the bundle without a cache. */
  dir: string | undefined;
  /** The bundle's sha256, known from the build: V8 itself checks only the source's length. */
  sourceHash: string;
  /** Whether a run that ends with this exit code should leave a cache (one that ran a scan). */
  makeOnExit: (code: number) => boolean;
  /** Called just before the cache is made, to put back V8 flags set while running (flag hash). */
  beforeMake?: () => void;
}

export interface LoadedBundle {
  exports: unknown;
  state: CodeCacheState;
  /** The cache file read or to be written; undefined when caching is off. */
  cacheFile: string | undefined;
}

/** AMIGATE_CODE_CACHE: `off` (or 0, false, no) for none, a directory, else the user cache's. */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const setting = env.AMIGATE_CODE_CACHE?.trim();
  if (setting && /^(off|0|false|no)$/i.test(setting)) return undefined;
  return setting || path.join(userCacheDir(env), "code-cache");
}

/** Cache files kept per directory: one per node version, bundle and flag set in use. */
const KEEP_FILES = 4;
/** A cache file: this magic, the payload's sha256, then V8's payload. */
const MAGIC = Buffer.from("amigate-v8-code-cache 1\n");
const DIGEST_BYTES = 32;

const sha256 = (data: string | Uint8Array) => createHash("sha256").update(data).digest();

/**
 * The cache file's name: V8 refuses a cache made by another V8 version or under other flags, so
 * node's version, the architecture and the flags node was started with are part of the name. Two
 * flag sets in turn (the launcher's and `node dist/amigate.js`'s) then each keep their own.
 */
function cacheFileName(file: string, sourceHash: string, env: NodeJS.ProcessEnv = process.env): string {
  const key = [sourceHash, process.version, process.arch, process.execArgv.join(" "), env.NODE_OPTIONS ?? ""];
  return `${path.basename(file, path.extname(file))}-${sha256(key.join("\0")).toString("hex").slice(0, 24)}.v8`;
}

/**
 * Whether a cache file is the user's own: V8 runs what a cache holds, so one that another user made
 * or could have changed (AMIGATE_CODE_CACHE pointed at a shared directory) is passed over, as ssh
 * passes over a key file others can write.
 */
function ownFile(stats: Stats): boolean {
  const uid = process.getuid?.();
  // Windows has no uids, and its mode bits say nothing of who may write (files show 0o666).
  if (uid === undefined) return true;
  return stats.uid === uid && (stats.mode & 0o022) === 0;
}

/** The payload of a cache file, or undefined when it is absent, short or not what was written. */
function readCacheFile(file: string): Buffer | undefined {
  let data: Buffer;
  let fd: number | undefined;
  try {
    fd = openSync(file, "r");
    if (!ownFile(fstatSync(fd))) return undefined;
    data = readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  const start = MAGIC.length + DIGEST_BYTES;
  if (data.length <= start || !data.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const payload = data.subarray(start);
  // V8 checks a cache's version and flags, not its bytes (outside debug builds): a damaged file
  // could crash node, so its digest is checked here first.
  return sha256(payload).equals(data.subarray(MAGIC.length, start)) ? payload : undefined;
}

/**
 * Writes V8's cache of `script` through a temporary file and a rename: a concurrent run reads a
 * whole cache or none. The directory is made first: where it cannot be, V8 is not asked for a cache
 * (~15 ms) that could not be kept.
 */
function writeCacheFile(file: string, script: vm.Script, beforeMake: (() => void) | undefined): void {
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  accessSync(dir, constants.W_OK);
  beforeMake?.();
  const payload = script.createCachedData();
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, Buffer.concat([MAGIC, sha256(payload), payload]), { mode: 0o600 });
    renameSync(temporary, file);
  } finally {
    rmSync(temporary, { force: true });
  }
  rmSync(seenMark(file), { force: true });
  pruneCacheFiles(dir, file);
}

/** The mark a first run leaves where the cache would be: the next run makes the cache. */
const seenMark = (cacheFile: string) => `${cacheFile}.seen`;

function markSeen(cacheFile: string): void {
  mkdirSync(path.dirname(cacheFile), { recursive: true, mode: 0o700 });
  writeFileSync(seenMark(cacheFile), "", { mode: 0o600 });
  pruneCacheFiles(path.dirname(cacheFile), cacheFile);
}

/** Keeps the newest few cache files and marks of this bundle: older node versions and builds leave theirs. */
function pruneCacheFiles(dir: string, kept: string): void {
  const prefix = path.basename(kept).replace(/-[0-9a-f]+\.v8$/, "-");
  const files = readdirSync(dir)
    .filter((name) => name.startsWith(prefix) && /\.v8(\.seen)?$/.test(name))
    .map((name) => path.join(dir, name))
    .filter((file) => file !== kept && file !== seenMark(kept))
    .map((file) => ({ file, mtime: statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0 }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const { file } of files.slice(KEEP_FILES - 1)) rmSync(file, { force: true });
}

/**
 * Runs the CommonJS bundle `file` as `require` would, through a `vm.Script` given the cached code
 * when there is a good cache for it. When there is none, and the run ends with an exit code that
 * `makeOnExit` accepts, the cache is made at exit (from the second such run on): V8 then includes
 * every function compiled while the command ran, not only the top level. Failing to read or write
 * the cache is never an error.
 */
export function requireWithCodeCache(file: string, options: CodeCacheOptions): LoadedBundle {
  const source = readFileSync(file, "utf8");
  const cacheFile =
    options.dir === undefined ? undefined : path.join(options.dir, cacheFileName(file, options.sourceHash));
  const cachedData = cacheFile === undefined ? undefined : readCacheFile(cacheFile);
  // CommonJS's wrapper, on the source's first line so that line numbers stay the file's.
  const wrapped = `(function (exports, require, module, __filename, __dirname) { ${source}\n});`;
  const script = new vm.Script(wrapped, { filename: file, cachedData });
  const state: CodeCacheState =
    cacheFile === undefined
      ? "off"
      : cachedData === undefined
        ? "missing"
        : script.cachedDataRejected
          ? "rejected"
          : "used";
  if (cacheFile !== undefined && state !== "used") {
    // The first run only marks that it ran: making a cache costs ~40 ms, which a one-off run in a
    // fresh container would pay for a cache no later run reads. A run that finds the mark, or a
    // file V8 refused or that was damaged, makes one.
    const make = existsSync(cacheFile) || existsSync(seenMark(cacheFile));
    process.once("exit", (code) => {
      if (!options.makeOnExit(code)) return;
      try {
        if (make) writeCacheFile(cacheFile, script, options.beforeMake);
        else markSeen(cacheFile);
      } catch {
        // A read-only or full cache directory: the next run compiles again, as without a cache.
      }
    });
  }
  const module = { exports: {} as unknown };
  const run = script.runInThisContext() as (
    exports: unknown,
    require: NodeJS.Require,
    module: { exports: unknown },
    filename: string,
    dirname: string,
  ) => void;
  run.call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
  return { exports: module.exports, state, cacheFile };
}
