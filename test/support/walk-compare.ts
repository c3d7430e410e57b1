import { createHash } from "node:crypto";
import type { FileStat, FileTree, WalkEntry } from "../../src/fs/filetree.js";
import type { Image } from "../../src/fs/image.js";

export interface WalkCompareOptions {
  /** Paths (and everything below them) present on only one side by design, e.g. "/lost+found". */
  ignore?: string[];
  /** Compare SHA-256 of regular files (default true); a function picks which paths. */
  hash?: boolean | ((path: string) => boolean);
  /** Stop after this many differences (default 50). */
  maxDifferences?: number;
}

export interface WalkSummary {
  entries: number;
  files: number;
  bytesHashed: number;
}

interface Node {
  stat: FileStat;
  target?: string;
}

async function sha256(image: Image, path: string): Promise<[string, number]> {
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of await image.createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return [hash.digest("hex"), bytes];
}

async function collect(image: Image, ignore: string[], errors: string[]): Promise<Map<string, Node>> {
  const out = new Map<string, Node>();
  const skipped = (p: string) => ignore.some((i) => p === i || p.startsWith(`${i}/`));
  const walk = image.walk("/", {
    skipDirectory: skipped,
    onError: (p, e) =>
      errors.push(`${image.description}: ${p}: ${e instanceof Error ? e.message : String(e)}`),
  });
  for await (const { path, stat } of walk) {
    if (skipped(path)) continue;
    out.set(path, { stat, target: stat.type === "symlink" ? await image.readlink(path) : undefined });
  }
  return out;
}

/**
 * Walks two images and lists how they differ: paths on one side only, then per path the type,
 * permission bits, uid/gid, size (files and symlinks), symlink target and SHA-256 of regular
 * files. An empty list means the same tree. Readers test themselves against the source directory.
 */
export async function compareImages(
  a: Image,
  b: Image,
  options: WalkCompareOptions = {},
): Promise<{ differences: string[]; summary: WalkSummary }> {
  const max = options.maxDifferences ?? 50;
  const differences: string[] = [];
  const ignore = options.ignore ?? [];
  const left = await collect(a, ignore, differences);
  const right = await collect(b, ignore, differences);
  const summary: WalkSummary = { entries: left.size, files: 0, bytesHashed: 0 };
  const add = (d: string) => {
    if (differences.length < max) differences.push(d);
  };
  for (const path of left.keys()) if (!right.has(path)) add(`${path}: only in ${a.description}`);
  for (const path of right.keys()) if (!left.has(path)) add(`${path}: only in ${b.description}`);
  for (const [path, l] of left) {
    const r = right.get(path);
    if (!r) continue;
    const ls = l.stat;
    const rs = r.stat;
    if (ls.type !== rs.type) {
      add(`${path}: type ${ls.type} ≠ ${rs.type}`);
      continue;
    }
    if (ls.mode !== rs.mode) add(`${path}: mode ${ls.mode.toString(8)} ≠ ${rs.mode.toString(8)}`);
    if (ls.uid !== rs.uid || ls.gid !== rs.gid)
      add(`${path}: owner ${ls.uid}:${ls.gid} ≠ ${rs.uid}:${rs.gid}`);
    if ((ls.type === "file" || ls.type === "symlink") && ls.size !== rs.size)
      add(`${path}: size ${ls.size} ≠ ${rs.size}`);
    if (l.target !== r.target) add(`${path}: symlink target ${l.target} ≠ ${r.target}`);
    const hash = options.hash ?? true;
    if (ls.type === "file" && (typeof hash === "function" ? hash(path) : hash)) {
      summary.files++;
      const [lh, lb] = await sha256(a, path);
      const [rh] = await sha256(b, path);
      summary.bytesHashed += lb;
      if (lh !== rh) add(`${path}: sha256 ${lh} ≠ ${rh}`);
    }
  }
  return { differences, summary };
}

/** The same tree without readdirStats: a walk then lstats every entry by path (the reference). */
export function withoutReaddirStats(tree: FileTree): FileTree {
  return {
    description: tree.description,
    lstat: (p) => tree.lstat(p),
    readdir: (p) => tree.readdir(p),
    readlink: (p) => tree.readlink(p),
    readFile: (p, o) => tree.readFile(p, o),
    createReadStream: (p, o) => tree.createReadStream(p, o),
    close: () => tree.close(),
  };
}

/** Every entry of a walk of the whole image, in walk order. */
export async function walkAll(image: Image): Promise<WalkEntry[]> {
  const out: WalkEntry[] = [];
  for await (const e of image.walk("/")) out.push(e);
  return out;
}
