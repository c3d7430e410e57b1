import type { DirEntry } from "../fs/filetree.js";
import { isFsError } from "../io/errors.js";
import type { InspectContext } from "./context.js";

/** Configuration files we parse line by line are small; larger ones are hostile or not ours. */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/**
 * The text of an optional file: undefined when it does not exist; any other failure (too large,
 * unreadable, a directory) is recorded as an unknown and also gives undefined.
 */
export async function readOptionalText(ctx: InspectContext, path: string): Promise<string | undefined> {
  try {
    return await ctx.image.readTextIfExists(path, MAX_CONFIG_BYTES);
  } catch (e) {
    ctx.unknown(path, e);
    return undefined;
  }
}

/** What reading an optional directory needs: the image, and where to record what could not be read. */
export type DirReadContext = Pick<InspectContext, "image" | "unknown">;

/** The path does not exist, or is not a directory: an optional directory that is simply absent. */
export function isAbsent(e: unknown): boolean {
  return isFsError(e, "ENOENT") || isFsError(e, "ENOTDIR");
}

/**
 * The entries of an optional directory (unsorted, as the tree gives them): [] when it does not
 * exist or is not a directory; any other failure (EIO, EACCES, a symlink loop) is recorded as an
 * unknown and also gives [], so a directory that could not be read is never taken for an empty one.
 */
export async function readOptionalDir(ctx: DirReadContext, path: string): Promise<DirEntry[]> {
  try {
    return await ctx.image.readdir(path);
  } catch (e) {
    if (!isAbsent(e)) ctx.unknown(path, e);
    return [];
  }
}

/** Lines of a text file, without their terminators (CRLF tolerated). */
export function splitLines(text: string): string[] {
  const lines = text.split("\n");
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines.map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
}

/**
 * Parses shell-style assignments as os-release(5) defines them: KEY=value, value optionally in
 * double quotes (with \" \\ \$ \` escapes) or single quotes; '#' lines are comments. Returns each
 * key with its value and 1-based line; malformed lines are skipped (the spec says to ignore them).
 */
export function parseAssignments(text: string): Map<string, { value: string; line: number }> {
  const out = new Map<string, { value: string; line: number }>();
  splitLines(text).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) return;
    out.set(m[1]!, { value: unquote(m[2]!), line: i + 1 });
  });
  return out;
}

function unquote(value: string): string {
  const v = value.trim();
  if (v.startsWith('"')) {
    let out = "";
    for (let i = 1; i < v.length; i++) {
      const c = v[i]!;
      if (c === "\\" && i + 1 < v.length && '"\\$`'.includes(v[i + 1]!)) out += v[++i];
      else if (c === '"') break;
      else out += c;
    }
    return out;
  }
  if (v.startsWith("'")) {
    const end = v.indexOf("'", 1);
    return end < 0 ? v.slice(1) : v.slice(1, end);
  }
  // Unquoted: up to an unescaped space or comment.
  return v.replace(/\s+#.*$/, "").split(/\s/)[0] ?? "";
}
