import type { FixOperation, PlanContext } from "../operation.js";
import { cleanFile } from "./files.js";

const HOST_KEY = /^ssh_host_[a-z0-9]+_key(\.pub|-cert\.pub)?$/;

/** How the image makes new host keys at first boot, or undefined when nothing will. */
export async function hostKeyRegeneration(ctx: PlanContext): Promise<string | undefined> {
  const services = await ctx.fact("services");
  const cloudInit = await ctx.fact("cloudInit");
  if (cloudInit.enabled) {
    const deleteKeys = cloudInit.sshDeletekeys?.value;
    return `cloud-init (its ssh module generates host keys at first boot${deleteKeys === false ? "; ssh_deletekeys is false" : ""})`;
  }
  for (const unit of [
    "sshd-keygen@.service",
    "sshd-keygen.service",
    "ssh-keygen.service",
    "regenerate_ssh_host_keys.service",
  ])
    if (services.unitExists(unit)) return `the ${unit} unit`;
  for (const unit of services.units.filter((u) => /^sshd?\.service$/.test(u.name))) {
    const text = (await ctx.read(unit.path))?.toString("utf8") ?? "";
    if (/^ExecStartPre=.*ssh-keygen\s+-A/m.test(text)) return `${unit.name} (ExecStartPre ssh-keygen -A)`;
  }
  return undefined;
}

const operation: FixOperation = {
  id: "ssh-host-keys",
  heading: "Remove SSH host keys (regenerated at first boot)",
  description:
    "Removes /etc/ssh/ssh_host_*_key and their .pub and -cert.pub files so instances do not share host keys; checks that the image has a first-boot mechanism that makes new ones (cloud-init, sshd-keygen units, ssh-keygen -A in the ssh unit) and says so when it has none.",
  defaultOn: true,
  appliesTo: "linux",
  order: 210,
  async plan(ctx) {
    const dir = await ctx.canonical("/etc/ssh");
    if (!dir || (await ctx.lstat(dir))?.type !== "directory") return;
    const names = (await ctx.image.tree.readdir(dir)).map((e) => e.name).filter((n) => HOST_KEY.test(n));
    if (names.length === 0) return;
    const mechanism = await hostKeyRegeneration(ctx);
    const reason = mechanism
      ? `host key, regenerated at first boot by ${mechanism}`
      : "host key shared by every instance";
    if (!mechanism)
      ctx.notice(
        dir,
        "no first-boot host key generation found (cloud-init, sshd-keygen units, ssh-keygen -A): add one, or sshd will not start on instances",
      );
    for (const name of names.sort()) await cleanFile(ctx, `${dir}/${name}`, "remove", reason);
  },
};
export default operation;
