import type { FixOperation } from "../operation.js";
import { cleanFile } from "./files.js";

const operation: FixOperation = {
  id: "remove-passwd-backups",
  heading: "Remove backups of the account files that keep password hashes",
  description:
    "Removes each backup of the account files (/etc/shadow-, /etc/gshadow-, /etc/passwd-, .bak and ~ copies) that the scan reports holding a password hash (rule passwd-backup-hashes): they keep the hashes the lock operations remove from the live files. Backups without a hash stay; shadow-utils rewrites them on the next change.",
  defaultOn: true,
  appliesTo: "linux",
  order: 320,
  async plan(ctx) {
    const accounts = await ctx.fact("accounts");
    for (const p of [...new Set(accounts.backupHashes.map((b) => b.path))].sort()) {
      const path = await ctx.canonical(p);
      if (path)
        await cleanFile(ctx, path, "remove", "backup of the account files (holds old password hashes)");
    }
  },
};
export default operation;
