import type { Image } from "../fs/image.js";
import { joinImagePath, normalizeImagePath, splitImagePath } from "../fs/path.js";
import { FsError } from "../io/errors.js";
import { compileWildcard, type Matcher, type WildcardSyntax } from "../match/wildcard.js";
import { argumentError, SSHD_KEYWORDS } from "./sshd-keywords.js";
import { type MatchCondition, parseMatchLine } from "./sshd-match.js";
import { type ConfigLine, tokenizeLine } from "./sshd-tokens.js";
import { type DirReadContext, readOptionalDir } from "./text-files.js";

/**
 * Reading sshd_config the way OpenSSH 9.2's sshd does (servconf.c): lines split as in
 * sshd-tokens.ts, keywords case-insensitive, Includes expanded in place (relative to /etc/ssh,
 * globbed and sorted), Match blocks recorded with their criteria. A Match block runs to the next
 * Match or the end of its file; a file included from inside a Match block is read under that
 * block, so its own Match blocks apply only where both match. Whatever would make sshd refuse to
 * start (an unknown keyword, a bad value, a global-only keyword inside a Match block…) is kept
 * as the configuration's refusal.
 */

export const SSH_DIR = "/etc/ssh";
export const SSHD_CONFIG = "/etc/ssh/sshd_config";
/** sshd refuses configurations nested deeper than this ("Too many recursive configuration includes"). */
export const MAX_INCLUDE_DEPTH = 16;
/** Bounds for hostile images: lines per file, files per scan, glob results per pattern. */
const MAX_LINES = 100_000;
const MAX_FILES = 512;
const MAX_GLOB_RESULTS = 1024;
const MAX_FILE_BYTES = 4 * 1024 * 1024;

export { type ConfigLine, tokenizeLine };

/** A Match line and where it is. */
export interface MatchBlock extends MatchCondition {
  path: string;
  line: number;
}

export interface ConfigEntry extends ConfigLine {
  path: string;
  /** The Match blocks the line sits in, outermost first: [] outside any, two for an Include inside one. */
  chain: MatchBlock[];
  /** Criteria of the enclosing Match blocks ("User backup"), absent outside any Match. */
  match?: string;
}

/** Why sshd would not start with this configuration, at the first line it stops at. */
export interface SshdRefusal {
  path: string;
  line?: number;
  reason: string;
}

export interface ParsedConfig {
  files: string[];
  entries: ConfigEntry[];
  /** What could not be read (unreadable files, bounds): the scan's gaps, not sshd's complaints. */
  problems: Array<{ path: string; line?: number; error: string }>;
  /** The first thing sshd would refuse to load, if any. */
  refusal?: SshdRefusal;
  /**
   * The lines as sshd reads them again for each connection (the same as `entries` unless a file
   * includes its own pattern), and why that reading fails for every connection, if it does.
   */
  connectionEntries?: ConfigEntry[];
  connectionRefusal?: SshdRefusal;
}

/** Lines in Match blocks that sshd applies when it starts: only `Match all` blocks, all the way out. */
export function appliesAtStartup(chain: readonly MatchBlock[]): boolean {
  return chain.every((b) => b.all);
}

/** How a chain of Match blocks reads in messages: "User deploy", "User bob and Match all". */
export function chainText(chain: readonly MatchBlock[]): string {
  return chain.map((b) => b.text).join(" and Match ");
}

/** Reads the main configuration and every file it includes, in the order sshd reaches them. */
export async function parseSshdConfig(image: Image, main = SSHD_CONFIG): Promise<ParsedConfig> {
  const out: ParsedConfig = { files: [], entries: [], problems: [] };
  const text = await readConfigFile(image, main, out);
  if (text === undefined) return out;
  const cache: IncludeItem[] = [];
  await parseFile({ image, out, cache }, main, text, 0, []);
  if (out.refusal) return out;
  const again: ParsedConfig = { files: [], entries: [], problems: [] };
  await parseFile({ image, out: again, cache }, main, text, 0, []);
  out.connectionEntries = again.entries;
  if (again.refusal) out.connectionRefusal = again.refusal;
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
    // fopen() opens a directory and getline() reads nothing from it: an empty file to sshd.
    if ((await image.statIfExists(path))?.type === "directory") return "";
    return await image.readText(path, MAX_FILE_BYTES);
  } catch (e) {
    if (!(e instanceof FsError && e.code === "ENOENT" && path === SSHD_CONFIG))
      out.problems.push({ path, error: message(e) });
    return undefined;
  }
}

/**
 * load_server_config(): each line loses its leading blanks, and a NUL byte cuts the rest of its
 * line, newline included (so the next line joins it).
 */
function loadedLines(text: string): string[] {
  let buffer = "";
  for (const physical of text.split(/(?<=\n)/)) {
    const line = physical.replace(/^[ \t\r]*/, "");
    const nul = line.indexOf("\0");
    buffer += nul < 0 ? line : line.slice(0, nul);
  }
  return buffer.split("\n");
}

function refuse(out: ParsedConfig, path: string, line: number | undefined, reason: string): void {
  out.refusal ??= { path, ...(line !== undefined ? { line } : {}), reason };
}

function unknownKeyword(written: string): string {
  const bom = written.startsWith("\uFEFF")
    ? " (a UTF-8 byte order mark before it: sshd reads the mark as part of the keyword)"
    : "";
  return `Bad configuration option: ${JSON.stringify(written)}${bom}`;
}

/**
 * One reading of the configuration. sshd reads it at start, and again for each connection to
 * apply the Match blocks; the second reading takes every Include from the files the first one
 * cached under the Include's pattern (servconf.c include_list) instead of globbing again.
 */
interface Pass {
  image: Image;
  out: ParsedConfig;
  cache: IncludeItem[];
}

/** An include_list entry: a pattern and one file it matched (none: it matched nothing). */
interface IncludeItem {
  selector: string;
  path?: string;
  text?: string;
}

/** Keywords sshd takes the rest of the line for, as written (quotes and comments included). */
const WHOLE_LINE = new Set(["authorizedkeyscommand", "authorizedprincipalscommand", "forcecommand"]);

async function parseFile(
  pass: Pass,
  path: string,
  text: string,
  depth: number,
  outer: MatchBlock[],
): Promise<void> {
  const { out } = pass;
  if (out.files.length >= MAX_FILES) {
    out.problems.push({ path, error: `more than ${MAX_FILES} configuration files; the rest were not read` });
    return;
  }
  out.files.push(path);
  let chain = outer;
  const lines = loadedLines(text);
  for (let n = 0; n < lines.length && n < MAX_LINES; n++) {
    const tok = tokenizeLine(lines[n]!, n + 1);
    if (tok === undefined) continue;
    if ("error" in tok) {
      refuse(out, path, n + 1, tok.error);
      continue;
    }
    const keyword = SSHD_KEYWORDS.get(tok.keyword);
    if (keyword === undefined) {
      refuse(out, path, tok.line, unknownKeyword(tok.written));
      continue;
    }
    if (keyword.globalOnly && !appliesAtStartup(chain))
      refuse(out, path, tok.line, `Directive '${tok.written}' is not allowed within a Match block`);
    if (keyword.args === "match") {
      const condition = parseMatchLine(tok.rest);
      if ("error" in condition) {
        refuse(out, path, tok.line, `Bad Match condition: ${condition.error}`);
        // Lines up to the next Match are still read, under a block that never matches.
        chain = [...outer, { all: false, criteria: [], text: tok.rest, path, line: tok.line, never: true }];
      } else chain = [...outer, { ...condition, path, line: tok.line }];
      continue;
    }
    if (keyword.args === "include") {
      await include(pass, path, tok, depth, chain);
      continue;
    }
    // servconf.c keeps these raw: "none # comment" is not "none", a quoted path keeps its quotes.
    const entry = WHOLE_LINE.has(tok.keyword) ? { ...tok, args: [tok.rest] } : tok;
    const error = argumentError(keyword, entry.args);
    if (error !== undefined) refuse(out, path, tok.line, `${tok.written}: ${error}`);
    out.entries.push(
      chain.length === 0 ? { ...entry, path, chain } : { ...entry, path, chain, match: chainText(chain) },
    );
  }
  if (lines.length > MAX_LINES)
    out.problems.push({ path, error: `more than ${MAX_LINES} lines; the rest were not read` });
}

async function include(
  pass: Pass,
  path: string,
  tok: ConfigLine,
  depth: number,
  chain: MatchBlock[],
): Promise<void> {
  const { out, cache } = pass;
  if (tok.args.length === 0) refuse(out, path, tok.line, "Include missing filename argument");
  for (const pattern of tok.args) {
    if (pattern === "") {
      refuse(out, path, tok.line, "keyword Include empty argument");
      continue;
    }
    // glob(3) without GLOB_TILDE: "~/x" is a path relative to sshd's working directory, "/".
    const selector = pattern.startsWith("/")
      ? pattern
      : pattern.startsWith("~")
        ? `/${pattern}`
        : `${SSH_DIR}/${pattern}`;
    const nested = async (file: string, text: string): Promise<boolean> => {
      if (depth + 1 > MAX_INCLUDE_DEPTH) {
        refuse(
          out,
          path,
          tok.line,
          `Too many recursive configuration includes (more than ${MAX_INCLUDE_DEPTH})`,
        );
        return false;
      }
      await parseFile(pass, file, text, depth + 1, chain);
      return true;
    };
    const cached = cache.filter((item) => item.selector === selector);
    if (cached.length > 0) {
      // A pattern seen before is not globbed again: the files cached under it so far are read.
      for (const item of cached)
        if (item.path !== undefined && !(await nested(item.path, item.text!))) return;
      continue;
    }
    const files = await globImage(dirReader(pass.image, out), selector);
    if (files.length === 0) cache.push({ selector });
    for (const file of files) {
      const text = await readConfigFile(pass.image, file, out);
      if (text === undefined) continue;
      if (!(await nested(file, text))) return;
      cache.push({ selector, path: file, text });
    }
  }
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
