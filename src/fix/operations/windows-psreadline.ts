import { PSREADLINE_PATTERN } from "../../inspect/windows/credentials.js";
import { findAll } from "../../inspect/windows/paths.js";
import type { FixOperation } from "../operation.js";
import { cleanFile } from "./files.js";

const operation: FixOperation = {
  id: "windows-psreadline",
  heading: "Truncate PowerShell PSReadLine histories of every user profile",
  description:
    "Empties Users/*/AppData/Roaming/Microsoft/Windows/PowerShell/PSReadLine/ConsoleHost_history.txt (names matched case-insensitively).",
  defaultOn: true,
  appliesTo: "windows",
  order: 700,
  async plan(ctx) {
    for (const p of await findAll(ctx.image, PSREADLINE_PATTERN)) {
      const path = await ctx.canonical(p);
      if (path) await cleanFile(ctx, path, "truncate", "PowerShell history of the build");
    }
  },
};
export default operation;
