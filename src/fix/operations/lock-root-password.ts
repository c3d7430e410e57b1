import type { FixOperation } from "../operation.js";
import { lockAccounts } from "./shadow.js";

const operation: FixOperation = {
  id: "lock-root-password",
  heading: 'Lock root\'s password ("!" in shadow)',
  description:
    'Prefixes root\'s password field with "!" (what passwd -l does): a hash becomes unusable, an empty field no longer logs in. Root logs in with the launch key pair only.',
  defaultOn: true,
  appliesTo: "linux",
  order: 300,
  async plan(ctx) {
    const accounts = await ctx.fact("accounts");
    const roots = accounts.users.filter((u) => u.uid === 0 && u.name === "root");
    const open = roots.filter((u) => u.password.kind === "hash" || u.password.kind === "empty");
    await lockAccounts(
      ctx,
      open,
      (u) => `root password ${u.password.kind === "empty" ? "is empty" : "is set"}`,
    );
  },
};
export default operation;
