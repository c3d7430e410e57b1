import { configText } from "../../inspect/windows/agents.js";
import { parseUnattend, UNATTEND_PATTERNS } from "../../inspect/windows/credentials.js";
import { findPath } from "../../inspect/windows/paths.js";
import type { FixOperation } from "../operation.js";
import { cleanFile } from "./files.js";

const operation: FixOperation = {
  id: "windows-unattend",
  heading: "Remove unattend/sysprep answer files that hold passwords",
  description:
    "Removes answer files left where Windows Setup and sysprep look for them (Panther, Sysprep, the volume root) when they still hold an administrator, autologon or local account password.",
  defaultOn: true,
  appliesTo: "windows",
  order: 710,
  async plan(ctx) {
    for (const pattern of UNATTEND_PATTERNS) {
      const found = await findPath(ctx.image, pattern);
      const path = found && (await ctx.canonical(found));
      if (!path || (await ctx.lstat(path))?.type !== "file") continue;
      let passwords: number;
      try {
        passwords = parseUnattend(configText((await ctx.read(path)) ?? Buffer.alloc(0)), path).length;
      } catch (e) {
        ctx.notice(path, `could not be parsed (${e instanceof Error ? e.message : String(e)}); not changed`);
        continue;
      }
      if (passwords > 0)
        await cleanFile(ctx, path, "remove", `answer file with ${passwords} saved password(s)`);
    }
  },
};
export default operation;
