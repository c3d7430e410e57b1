import type { FixOperation } from "../operation.js";
import { lockAccounts } from "./shadow.js";

const operation: FixOperation = {
  id: "lock-passwords",
  heading: "Lock blank passwords and password hashes of login accounts",
  description:
    'Locks ("!" prefix) every empty password field, and the password hash of every account with a login shell, except root (lock-root-password) and the accounts named with --keep-password.',
  defaultOn: true,
  appliesTo: "linux",
  order: 310,
  async plan(ctx) {
    const accounts = await ctx.fact("accounts");
    const keep = new Set(ctx.options.keepPassword);
    const users = accounts.users.filter(
      (u) =>
        u.name !== "root" &&
        !keep.has(u.name) &&
        (u.password.kind === "empty" || (u.password.kind === "hash" && u.hasLoginShell)),
    );
    for (const name of keep)
      if (accounts.user(name)?.password.kind === "hash")
        ctx.notice(`/etc/shadow`, `${name}: password hash kept (--keep-password)`);
    await lockAccounts(ctx, users, (u) =>
      u.password.kind === "empty"
        ? `${u.name} has an empty password`
        : `${u.name} has a login shell and a password`,
    );
  },
};
export default operation;
