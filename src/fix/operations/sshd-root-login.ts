import type { FixOperation } from "../operation.js";
import { ensureSshdSetting } from "./sshd-setting.js";

/** Values at least as strict as prohibit-password ("without-password" is its old name). */
const KEY_ONLY = new Set(["no", "prohibit-password", "without-password", "forced-commands-only"]);

const operation: FixOperation = {
  id: "sshd-root-login",
  heading: "Set PermitRootLogin to prohibit-password (or no, --root-login)",
  description:
    "Makes PermitRootLogin prohibit-password (default) or no (--root-login no) effective, written where it wins like sshd-password-auth. A stricter value already in place is kept.",
  defaultOn: true,
  appliesTo: "linux",
  order: 410,
  async plan(ctx) {
    const want = ctx.options.rootLogin;
    await ensureSshdSetting(
      ctx,
      "PermitRootLogin",
      want,
      (v) => (want === "no" ? v === "no" : KEY_ONLY.has(v)),
      want === "no"
        ? "root must not log in over SSH (--root-login no)"
        : "root must not log in with a password",
    );
  },
};
export default operation;
