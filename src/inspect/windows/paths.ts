import type { Image } from "../../fs/image.js";
import { joinImagePath, splitImagePath } from "../../fs/path.js";
import { isFsError } from "../../io/errors.js";

/** Entries listed per directory at most, so a hostile directory cannot stall a lookup. */
const MAX_MATCHES = 4096;

function missing(e: unknown): boolean {
  return isFsError(e, "ENOENT") || isFsError(e, "ENOTDIR") || isFsError(e, "ELOOP") || isFsError(e, "EINVAL");
}

/**
 * Windows paths are case-insensitive: finds "/Windows/System32/config/SOFTWARE" whatever case the
 * filesystem stored it in. An exact-case entry wins over other spellings. Undefined when absent.
 */
export async function findPath(image: Image, path: string): Promise<string | undefined> {
  let current = "/";
  for (const part of splitImagePath(path)) {
    const exact = joinImagePath(current, part);
    let entries: string[];
    try {
      entries = (await image.readdir(current)).map((e) => e.name);
    } catch (e) {
      if (missing(e)) return undefined;
      throw e;
    }
    if (entries.includes(part)) {
      current = exact;
      continue;
    }
    const want = part.toLowerCase();
    const match = entries.find((n) => n.toLowerCase() === want);
    if (match === undefined) return undefined;
    current = joinImagePath(current, match);
  }
  return current;
}

/**
 * Every path matching a pattern whose components are names (case-insensitive) or "*" (any one
 * entry): "/Users/*\/.aws/credentials". Sorted.
 */
export async function findAll(image: Image, pattern: string): Promise<string[]> {
  let frontier = ["/"];
  for (const part of splitImagePath(pattern)) {
    const next: string[] = [];
    for (const dir of frontier) {
      let names: string[];
      try {
        names = (await image.readdir(dir)).map((e) => e.name);
      } catch (e) {
        if (missing(e)) continue;
        throw e;
      }
      const want = part.toLowerCase();
      for (const n of names) {
        if (part === "*" || n.toLowerCase() === want) next.push(joinImagePath(dir, n));
        if (next.length >= MAX_MATCHES) break;
      }
    }
    frontier = next;
    if (frontier.length === 0) break;
  }
  return frontier.sort();
}

/** The file's bytes if the (case-insensitive) path exists, else undefined. */
export async function readIfExists(
  image: Image,
  path: string,
  maxBytes: number,
): Promise<{ path: string; bytes: Buffer } | undefined> {
  const found = await findPath(image, path);
  if (!found) return undefined;
  try {
    return { path: found, bytes: await image.readFile(found, maxBytes) };
  } catch (e) {
    if (missing(e) || isFsError(e, "EISDIR")) return undefined;
    throw e;
  }
}
