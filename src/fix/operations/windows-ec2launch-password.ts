import { isMap, isSeq, parseDocument } from "yaml";
import { AGENT_PATHS, configText } from "../../inspect/windows/agents.js";
import { findPath } from "../../inspect/windows/paths.js";
import type { FixOperation, PlanContext } from "../operation.js";

/** EC2Launch v1: adminPasswordType Specify (with adminPassword in clear) becomes Random. */
async function planV1(ctx: PlanContext): Promise<void> {
  const found = await findPath(ctx.image, AGENT_PATHS.ec2launchV1);
  const path = found && (await ctx.canonical(found));
  if (!path || (await ctx.lstat(path))?.type !== "file") return;
  const bytes = (await ctx.read(path)) ?? Buffer.alloc(0);
  let doc: unknown;
  try {
    doc = JSON.parse(configText(bytes));
  } catch (e) {
    ctx.notice(path, `not valid JSON (${e instanceof Error ? e.message : String(e)}); not changed`);
    return;
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return;
  const config = doc as Record<string, unknown>;
  if (typeof config.adminPasswordType !== "string" || config.adminPasswordType.toLowerCase() !== "specify")
    return;
  config.adminPasswordType = "Random";
  delete config.adminPassword;
  const text = `${JSON.stringify(config, null, 2)}\n`;
  // Written back in the encoding it was read in (UTF-16LE with its BOM, or UTF-8 with or without one).
  const utf16 = bytes[0] === 0xff && bytes[1] === 0xfe;
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? "\ufeff" : "";
  const content = utf16
    ? Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")])
    : Buffer.from(bom + text);
  await ctx.replace(path, content, "specified administrator password shared by every instance");
}

const operation: FixOperation = {
  id: "windows-ec2launch-password",
  heading: "EC2Launch: a static or specified administrator password becomes random",
  description:
    "In EC2Launch v2's agent-config.yml, the setAdminAccount task's password type static (a password every instance shares) becomes random (EC2 encrypts a new one with the launch key pair) and its data is removed; in EC2Launch v1's LaunchConfig.json, adminPasswordType Specify becomes Random and adminPassword is removed.",
  defaultOn: true,
  appliesTo: "windows",
  order: 720,
  async plan(ctx) {
    await planV1(ctx);
    const found = await findPath(ctx.image, AGENT_PATHS.ec2launchV2);
    const path = found && (await ctx.canonical(found));
    if (!path || (await ctx.lstat(path))?.type !== "file") return;
    const bytes = (await ctx.read(path)) ?? Buffer.alloc(0);
    const doc = parseDocument(configText(bytes));
    if (doc.errors.length > 0) {
      ctx.notice(path, `not valid YAML (${doc.errors[0]!.message}); not changed`);
      return;
    }
    const stages = doc.get("config");
    let changed = false;
    for (const stage of isSeq(stages) ? stages.items : []) {
      const tasks = isMap(stage) ? stage.get("tasks") : undefined;
      for (const task of isSeq(tasks) ? tasks.items : []) {
        if (!isMap(task) || task.get("task") !== "setAdminAccount") continue;
        const password = task.getIn(["inputs", "password"]);
        if (!isMap(password) || String(password.get("type")).toLowerCase() !== "static") continue;
        password.set("type", "random");
        password.delete("data");
        changed = true;
      }
    }
    if (!changed) return;
    const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? "\ufeff" : "";
    await ctx.replace(
      path,
      Buffer.from(bom + doc.toString()),
      "static administrator password shared by every instance",
    );
  },
};
export default operation;
