import { describeError, FsError } from "../io/errors.js";
import type { Inspector } from "./context.js";
import { MAX_CONFIG_BYTES } from "./text-files.js";
import { type Unread, whyUnread as why } from "./unread.js";

/** Something that could hold a finding and was not read: the scan fails closed on it. */
export interface CoverageGap {
  /** Path inside the root, when the gap is one file or folder. */
  path?: string;
  /** What was not read and why, one line. */
  reason: string;
}

export interface CoverageFacts {
  gaps: CoverageGap[];
}

/**
 * Files whose every line decides a verdict (accounts, passwords, sudo, sshd): one of them that
 * exists and cannot be read whole would let a rule judge on nothing (an /etc/shadow padded past
 * the read bound made root-password-set vanish and another rule say "root is locked").
 */
export const VERDICT_FILES = [
  "/etc/passwd",
  "/etc/shadow",
  "/etc/group",
  "/etc/gshadow",
  "/etc/sudoers",
  "/etc/ssh/sshd_config",
] as const;

/** Folders of drop-ins read like the files above. */
export const VERDICT_FOLDERS = ["/etc/sudoers.d", "/etc/ssh/sshd_config.d"] as const;

/** Drop-in folders larger than this are themselves a gap (nothing real has thousands). */
const MAX_DROP_INS = 10_000;

/**
 * Unread directories and files beyond this many are one gap that counts them (every one is still
 * among the unknowns): a damaged or encrypted tree can leave thousands.
 */
export const MAX_UNREAD_GAPS = 50;

/** Gaps for what the walk and the content pass could not read, in path order, bounded. */
function unreadGaps(walk: readonly Unread[], content: readonly Unread[]): CoverageGap[] {
  const byPath = new Map<string, string>();
  for (const u of [...walk, ...content]) if (!byPath.has(u.path)) byPath.set(u.path, u.reason);
  const paths = [...byPath.keys()].sort();
  const gaps: CoverageGap[] = paths
    .slice(0, MAX_UNREAD_GAPS)
    .map((path) => ({ path, reason: `${path} could not be read: ${byPath.get(path)}` }));
  if (paths.length > MAX_UNREAD_GAPS)
    gaps.push({
      reason: `${paths.length - MAX_UNREAD_GAPS} more directories and files could not be read (each is among the unknowns)`,
    });
  return gaps;
}

const absent = (e: unknown) =>
  e instanceof FsError && (e.code === "ENOENT" || e.code === "ENOTDIR" || e.code === "ELOOP");

export const coverageInspector: Inspector<"coverage"> = {
  name: "coverage",
  description:
    "what of the root could not be read: its top level, the file index, directories and files the walk and the content pass could not read, the files verdicts rest on",
  paths: ["/", ...VERDICT_FILES, ...VERDICT_FOLDERS.map((d) => `${d}/*`)],
  async inspect(ctx) {
    const gaps: CoverageGap[] = [];
    try {
      const top = await ctx.image.readdir("/");
      if (top.length === 0) gaps.push({ path: "/", reason: "the root is empty: there is nothing to judge" });
    } catch (e) {
      gaps.push({ path: "/", reason: `the root's top level could not be read (${describeError(e)})` });
    }
    const files = await ctx.get("files");
    if (files.truncatedAt !== undefined)
      gaps.push({
        path: files.truncatedAt,
        reason: `the file index stopped at ${ctx.options.maxIndexedEntries} entries (at ${files.truncatedAt}): files after it were not checked`,
      });
    const readWhole = async (path: string) => {
      try {
        await ctx.image.readTextIfExists(path, MAX_CONFIG_BYTES);
      } catch (e) {
        if (!absent(e)) gaps.push({ path, reason: `${path} could not be read whole: ${why(e)}` });
      }
    };
    // What the walk could not list and the content pass could not read: what lies there was judged by nothing.
    // A content pass that failed whole is every content rule's own ruleNotRun finding (engine.ts).
    const content = await ctx.get("content").catch(() => undefined);
    gaps.push(...unreadGaps(files.unread, content?.unread ?? []));
    for (const path of VERDICT_FILES) await readWhole(path);
    for (const dir of VERDICT_FOLDERS) {
      let names: string[];
      try {
        names = (await ctx.image.readdir(dir)).map((d) => d.name);
      } catch (e) {
        if (!absent(e)) gaps.push({ path: dir, reason: `${dir} could not be listed (${describeError(e)})` });
        continue;
      }
      if (names.length > MAX_DROP_INS) {
        gaps.push({ path: dir, reason: `${dir} holds ${names.length} entries, more than are read` });
        continue;
      }
      for (const name of names) {
        const path = `${dir}/${name}`;
        const st = await ctx.image.statIfExists(path).catch(() => undefined);
        if (st?.type === "directory") continue;
        await readWhole(path);
      }
    }
    return { gaps };
  },
};
