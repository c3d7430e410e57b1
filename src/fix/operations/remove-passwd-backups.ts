import type { FixOperation } from "../operation.js";
import { cleanFile } from "./files.js";

/** Backups shadow-utils (passwd-, shadow-…) and editors leave beside the account files. */
const BACKUPS = [
  "/etc/passwd-",
  "/etc/shadow-",
  "/etc/group-",
  "/etc/gshadow-",
  "/etc/passwd.bak",
  "/etc/shadow.bak",
  "/etc/group.bak",
  "/etc/gshadow.bak",
  "/etc/passwd~",
  "/etc/shadow~",
  "/etc/passwd.OLD",
  "/etc/shadow.OLD",
];

const operation: FixOperation = {
  id: "remove-passwd-backups",
  heading: "Remove backups of passwd, shadow, group and gshadow",
  description:
    "Removes /etc/passwd-, /etc/shadow-, /etc/group-, /etc/gshadow- and .bak/~/.OLD copies: they keep the password hashes the lock operations remove from the live files.",
  defaultOn: true,
  appliesTo: "linux",
  order: 320,
  async plan(ctx) {
    const accounts = await ctx.fact("accounts");
    const paths = new Set([...BACKUPS, ...accounts.backupHashes.map((b) => b.path)]);
    for (const p of [...paths].sort()) {
      const path = await ctx.canonical(p);
      if (path)
        await cleanFile(ctx, path, "remove", "backup of the account files (holds old password hashes)");
    }
  },
};
export default operation;
