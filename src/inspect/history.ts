import { normalizeImagePath } from "../fs/path.js";
import { FsError } from "../io/errors.js";
import type { InspectContext, Inspector } from "./context.js";
import { accountHomes, groupByHome, leftBehindHomes } from "./homes.js";

/** A shell or REPL history left in a home: commands typed while building the image. */
export interface HistoryFile {
  path: string;
  /** What writes it: "bash", "zsh", "python", "mysql"… */
  kind: string;
  /** Accounts whose home holds it. */
  users: string[];
  size: number;
  /** Line count; undefined when the file is larger than the scan bound. */
  lines?: number;
  /** Set when the history is a symlink; a link to /dev/null (hardening) has devNull true. */
  symlinkTarget?: string;
  devNull?: boolean;
}

export interface HistoryFacts {
  /** Non-empty histories and every history symlink, by path. */
  files: HistoryFile[];
}

/** History files relative to a home, with what writes them. */
export const HISTORY_FILES: ReadonlyArray<readonly [string, string]> = [
  [".bash_history", "bash"],
  [".zsh_history", "zsh"],
  [".zhistory", "zsh"],
  [".local/share/fish/fish_history", "fish"],
  [".sh_history", "ksh/sh"],
  [".ash_history", "ash"],
  [".history", "csh/tcsh"],
  [".python_history", "python"],
  [".node_repl_history", "node"],
  [".mysql_history", "mysql"],
  [".psql_history", "psql"],
  [".sqlite_history", "sqlite"],
  [".rediscli_history", "redis-cli"],
  [".irb_history", "irb"],
  [".pry_history", "pry"],
  [".lesshst", "less"],
  [".viminfo", "vim"],
];

async function countLines(ctx: InspectContext, path: string): Promise<number> {
  let lines = 0;
  let last = 0x0a;
  const stream = await ctx.image.createReadStream(path, { end: ctx.options.maxContentScanBytes });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) lines++;
      if (chunk.length > 0) last = chunk[chunk.length - 1]!;
    }
  } finally {
    stream.destroy();
  }
  return last === 0x0a ? lines : lines + 1;
}

async function inspectHistory(
  ctx: InspectContext,
  path: string,
  kind: string,
  users: string[],
): Promise<HistoryFile | undefined> {
  const lst = await ctx.image.lstat(path);
  if (lst.type === "symlink") {
    const target = await ctx.image.readlink(path);
    const devNull =
      normalizeImagePath(target.startsWith("/") ? target : `${path}/../${target}`) === "/dev/null";
    const st = devNull ? undefined : await ctx.image.statIfExists(path);
    return { path, kind, users, size: st?.size ?? 0, symlinkTarget: target, devNull };
  }
  if (lst.type !== "file" || lst.size === 0) return undefined;
  const lines = lst.size <= ctx.options.maxContentScanBytes ? await countLines(ctx, path) : undefined;
  return { path, kind, users, size: lst.size, ...(lines !== undefined ? { lines } : {}) };
}

export const historiesInspector: Inspector<"histories"> = {
  name: "histories",
  description: "shell and REPL histories in every home from passwd, /root, and /home folders no account owns",
  paths: ["/etc/passwd", ...HISTORY_FILES.map(([name]) => `/**/${name}`)],
  async inspect(ctx) {
    const files: HistoryFile[] = [];
    // Every account's home, and the folders in /home no account owns any more (a deleted build
    // user's history still ships in the image).
    const homes = await accountHomes(ctx);
    for (const [home, users] of groupByHome([...homes, ...(await leftBehindHomes(ctx, homes))])) {
      for (const [name, kind] of HISTORY_FILES) {
        const path = normalizeImagePath(`${home}/${name}`);
        try {
          const found = await inspectHistory(ctx, path, kind, users);
          if (found) files.push(found);
        } catch (e) {
          if (e instanceof FsError && (e.code === "ENOENT" || e.code === "ENOTDIR" || e.code === "ELOOP"))
            continue;
          ctx.unknown(path, e);
        }
      }
    }
    // Histories inside archives (a home's backup), which the content pass read as it opened them.
    files.push(...(await ctx.get("content")).archivedHistories);
    files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return { files };
  },
};
