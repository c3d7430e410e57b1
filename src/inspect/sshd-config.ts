import type { Image } from "../fs/image.js";
import { joinImagePath, normalizeImagePath, splitImagePath } from "../fs/path.js";
import { FsError } from "../io/errors.js";
import { compileWildcard, type Matcher, type WildcardSyntax } from "../match/wildcard.js";
import { type DirReadContext, readOptionalDir } from "./text-files.js";

/**
 * Reading sshd_config the way sshd does (sshd_config(5)): one keyword per line, keywords
 * case-insensitive, arguments split on whitespace with "double" or 'single' quotes, a token
 * starting with "#" ends the line, and `Keyword=value` / `Keyword = value` are the same as
 * `Keyword value`. Includes are expanded in place, Match blocks are recorded with their criteria.
 */

export const SSH_DIR = "/etc/ssh";
export const SSHD_CONFIG = "/etc/ssh/sshd_config";
/** sshd refuses configurations nested deeper than this ("too many recursive includes"). */
export const MAX_INCLUDE_DEPTH = 16;
/** Bounds for hostile images: lines per file, files per scan, glob results per pattern. */
const MAX_LINES = 100_000;
const MAX_FILES = 512;
const MAX_GLOB_RESULTS = 1024;
const MAX_FILE_BYTES = 4 * 1024 * 1024;

/** One configuration line after tokenizing. */
export interface ConfigLine {
  /** Lower-cased keyword as written (aliases are resolved later). */
  keyword: string;
  /** The keyword as written. */
  written: string;
  args: string[];
  line: number;
}

export interface ConfigEntry extends ConfigLine {
  path: string;
  /** Criteria of the enclosing Match block ("User backup"), absent outside any Match. */
  match?: string;
}

export interface ParsedConfig {
  files: string[];
  entries: ConfigEntry[];
  /** Problems sshd itself would complain about (bad quoting, include depth, unreadable files). */
  problems: Array<{ path: string; line?: number; error: string }>;
}

/** Splits one line into keyword and arguments; undefined for blank lines and comments. */
export function tokenizeLine(text: string, line: number): ConfigLine | { error: string } | undefined {
  const s = text.replace(/\r$/, "");
  let i = 0;
  while (i < s.length && isSpace(s[i]!)) i++;
  if (i >= s.length || s[i] === "#") return undefined;
  const kwStart = i;
  while (i < s.length && !isSpace(s[i]!) && s[i] !== "=") i++;
  const written = s.slice(kwStart, i);
  // One "=" may stand between keyword and arguments, with optional whitespace around it.
  while (i < s.length && isSpace(s[i]!)) i++;
  if (s[i] === "=") i++;
  const args: string[] = [];
  for (;;) {
    while (i < s.length && isSpace(s[i]!)) i++;
    if (i >= s.length || s[i] === "#") break;
    let arg = "";
    let quote: string | undefined;
    for (; i < s.length; i++) {
      const c = s[i]!;
      if (quote) {
        if (c === "\\" && (s[i + 1] === quote || s[i + 1] === "\\")) arg += s[++i];
        else if (c === quote) quote = undefined;
        else arg += c;
      } else if (isSpace(c)) break;
      else if (c === '"' || c === "'") quote = c;
      else if (
        c === "\\" &&
        i + 1 < s.length &&
        (s[i + 1] === '"' || s[i + 1] === "'" || s[i + 1] === "\\" || isSpace(s[i + 1]!))
      )
        arg += s[++i];
      else arg += c;
    }
    if (quote) return { error: `unterminated ${quote === '"' ? "double" : "single"} quote` };
    args.push(arg);
  }
  return { keyword: written.toLowerCase(), written, args, line };
}

function isSpace(c: string): boolean {
  return c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f" || c === "\v";
}

/** Reads the main configuration and every file it includes, in the order sshd reaches them. */
export async function parseSshdConfig(image: Image, main = SSHD_CONFIG): Promise<ParsedConfig> {
  const out: ParsedConfig = { files: [], entries: [], problems: [] };
  const text = await readConfigFile(image, main, out);
  if (text !== undefined) await parseFile(image, main, text, 0, undefined, out);
  return out;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Directories an Include lists are read like files: what cannot be read is a problem. */
function dirReader(image: Image, out: ParsedConfig): DirReadContext {
  return { image, unknown: (path, e) => out.problems.push({ path, error: message(e) }) };
}

async function readConfigFile(image: Image, path: string, out: ParsedConfig): Promise<string | undefined> {
  try {
    return await image.readText(path, MAX_FILE_BYTES);
  } catch (e) {
    if (!(e instanceof FsError && e.code === "ENOENT" && path === SSHD_CONFIG))
      out.problems.push({ path, error: message(e) });
    return undefined;
  }
}

async function parseFile(
  image: Image,
  path: string,
  text: string,
  depth: number,
  outerMatch: string | undefined,
  out: ParsedConfig,
): Promise<void> {
  if (out.files.length >= MAX_FILES) {
    out.problems.push({ path, error: `more than ${MAX_FILES} configuration files; the rest were not read` });
    return;
  }
  out.files.push(path);
  // A Match block runs to the next Match or the end of this file; the includer's block resumes after.
  let match = outerMatch;
  const lines = text.split("\n");
  for (let n = 0; n < lines.length && n < MAX_LINES; n++) {
    const tok = tokenizeLine(lines[n]!, n + 1);
    if (tok === undefined) continue;
    if ("error" in tok) {
      out.problems.push({ path, line: n + 1, error: tok.error });
      continue;
    }
    if (tok.keyword === "match") {
      // "Match all" applies to every connection; the facts treat it as unconditional.
      match = tok.args.join(" ");
      continue;
    }
    if (tok.keyword === "include") {
      if (depth + 1 > MAX_INCLUDE_DEPTH) {
        out.problems.push({
          path,
          line: tok.line,
          error: `too many recursive includes (more than ${MAX_INCLUDE_DEPTH})`,
        });
        continue;
      }
      for (const pattern of tok.args) {
        const absolute = pattern.startsWith("/") ? pattern : `${SSH_DIR}/${pattern}`;
        for (const file of await globImage(dirReader(image, out), absolute)) {
          const inc = await readConfigFile(image, file, out);
          if (inc !== undefined) await parseFile(image, file, inc, depth + 1, match, out);
        }
      }
      continue;
    }
    out.entries.push(match === undefined ? { ...tok, path } : { ...tok, path, match });
  }
  if (lines.length > MAX_LINES)
    out.problems.push({ path, error: `more than ${MAX_LINES} lines; the rest were not read` });
}

const GLOB_CHARS = /[*?[]/;

/** glob(3) without flags over the image: "*", "?" and "[…]" per component, results sorted. */
export async function globImage(ctx: DirReadContext, pattern: string): Promise<string[]> {
  const { image } = ctx;
  let candidates = ["/"];
  const parts = splitImagePath(normalizeImagePath(pattern));
  for (const [i, part] of parts.entries()) {
    const last = i === parts.length - 1;
    const next: string[] = [];
    for (const dir of candidates) {
      if (!GLOB_CHARS.test(part)) {
        next.push(joinImagePath(dir, part));
        continue;
      }
      const matcher = fnmatchRegExp(part);
      const names = (await readOptionalDir(ctx, dir)).map((e) => e.name);
      for (const name of names.sort()) if (matcher.test(name)) next.push(joinImagePath(dir, name));
    }
    candidates = next.slice(0, MAX_GLOB_RESULTS);
    if (!last) {
      const dirs: string[] = [];
      for (const c of candidates) if ((await image.statIfExists(c))?.type === "directory") dirs.push(c);
      candidates = dirs;
    }
  }
  const found: string[] = [];
  for (const c of candidates) if (await image.statIfExists(c)) found.push(c);
  // glob(3) sorts its results lexically (byte order).
  return found.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

const FNMATCH: WildcardSyntax = { classes: true, wildcardExcludes: "/", explicitDot: true };

/**
 * fnmatch(3) pattern for one path component: `*`, `?` (never "/"), `[…]` with `!`/`^` negation
 * and ranges; no backslash escapes; a leading "." must be matched explicitly. Include globs are
 * image bytes, so they are matched without backtracking (src/match/wildcard.ts); the name is
 * from when this built a RegExp.
 */
export function fnmatchRegExp(pattern: string): Matcher {
  return compileWildcard(pattern, FNMATCH);
}
