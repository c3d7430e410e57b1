import type { FixOperation } from "../operation.js";
import { cleanFile } from "./files.js";
import { homes, under } from "./homes.js";

/** Histories relative to a home, by the program that writes them (bash(1) HISTFILE, etc.). */
export const HISTORY_FILES = [
  ".bash_history",
  ".zsh_history",
  ".zhistory",
  ".sh_history",
  ".ash_history",
  ".history",
  ".local/share/fish/fish_history",
  ".python_history",
  ".node_repl_history",
  ".mysql_history",
  ".psql_history",
  ".sqlite_history",
  ".rediscli_history",
  ".irb_history",
  ".pry_history",
  ".lesshst",
  ".viminfo",
  ".wget-hsts",
] as const;

const operation: FixOperation = {
  id: "histories",
  heading: "Truncate shell and REPL histories of every account",
  description:
    "Empties bash, zsh, fish, sh, Python, node, MySQL, psql, SQLite, redis, irb and vim histories in the home of every account in passwd and /root (the files are kept, so permissions stay). A history that is a symlink is removed itself, never written through; FIFOs are reported.",
  defaultOn: true,
  appliesTo: "linux",
  order: 100,
  async plan(ctx) {
    for (const home of await homes(ctx)) {
      for (const name of HISTORY_FILES) {
        const path = await ctx.canonical(under(home.path, name));
        if (path) await cleanFile(ctx, path, "truncate", `history of ${home.users.join(", ")}`);
      }
    }
  },
};
export default operation;
