import { CLOUD_CFG_D } from "../../inspect/cloudinit.js";
import type { FixOperation } from "../operation.js";

const DROP_IN = "99-amigate.cfg";

const operation: FixOperation = {
  id: "cloud-init-ssh",
  heading: "Set cloud-init ssh_pwauth: false and disable_root: true",
  description:
    "Writes /etc/cloud/cloud.cfg.d/99-amigate.cfg (cloud-init merges cloud.cfg.d in lexical order, later files win) so cloud-init neither turns SSH passwords on at boot nor lets root log in with the launch key.",
  defaultOn: true,
  appliesTo: "linux",
  order: 420,
  async plan(ctx) {
    const ci = await ctx.fact("cloudInit");
    if (!ci.installed) return;
    const wantPwauth = ci.sshPwauth.value !== false;
    const wantDisableRoot = ci.disableRoot?.value !== true;
    if (!wantPwauth && !wantDisableRoot) return;
    const dir = await ctx.canonical(CLOUD_CFG_D);
    if (!dir || (await ctx.lstat(dir))?.type !== "directory") {
      ctx.notice(CLOUD_CFG_D, "missing or not a directory; cloud-init settings not written");
      return;
    }
    const names = (await ctx.image.tree.readdir(dir)).map((e) => e.name).filter((n) => n.endsWith(".cfg"));
    // Sort after every existing file (byte order, as cloud-init's sorted glob does).
    let name = DROP_IN;
    while (names.some((n) => n > name && n !== name)) name = `z${name}`;
    const body =
      "# Written by amigate fix (later files in cloud.cfg.d win).\nssh_pwauth: false\ndisable_root: true\n";
    const path = `${dir}/${name}`;
    const why = [
      ci.sshPwauth.value === true
        ? `ssh_pwauth is true (${ci.sshPwauth.path ?? "cloud.cfg"}): cloud-init turns SSH passwords on`
        : wantPwauth
          ? "ssh_pwauth unset: set false so cloud-init never turns SSH passwords on"
          : "",
      wantDisableRoot ? "root must not log in with the launch key" : "",
    ]
      .filter(Boolean)
      .join("; ");
    if ((await ctx.lstat(path))?.type === "file") await ctx.replace(path, Buffer.from(body), why);
    else if (!(await ctx.lstat(path))) await ctx.create(path, Buffer.from(body), 0o644, why);
    else ctx.notice(path, "exists and is not a regular file; cloud-init settings not written");
  },
};
export default operation;
