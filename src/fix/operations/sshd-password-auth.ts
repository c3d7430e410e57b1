import type { FixOperation } from "../operation.js";
import { ensureSshdSetting } from "./sshd-setting.js";

const operation: FixOperation = {
  id: "sshd-password-auth",
  heading: "Make PasswordAuthentication no effective in sshd",
  description:
    "Writes PasswordAuthentication no where sshd reads it first: the winning line is rewritten in place (drop-in or main file), else a drop-in sshd_config.d/00-amigate.conf read before the others (or the top of sshd_config when it includes no drop-ins); Match blocks that allow passwords are rewritten too. With UsePAM yes, KbdInteractiveAuthentication no as well (PAM would otherwise ask for the password).",
  defaultOn: true,
  appliesTo: "linux",
  order: 400,
  async plan(ctx) {
    await ensureSshdSetting(
      ctx,
      "PasswordAuthentication",
      "no",
      (v) => v === "no",
      "sshd must not accept passwords",
    );
    const sshd = await ctx.fact("sshd");
    if (sshd.get("UsePAM")?.value.toLowerCase() === "yes")
      await ensureSshdSetting(
        ctx,
        "KbdInteractiveAuthentication",
        "no",
        (v) => v === "no",
        "with UsePAM yes, keyboard-interactive asks PAM for the password",
      );
  },
};
export default operation;
