import { isMap, isSeq, parseDocument } from "yaml";
import { AGENT_PATHS, configText } from "../../inspect/windows/agents.js";
import { findPath } from "../../inspect/windows/paths.js";
import type { FixOperation } from "../operation.js";

const operation: FixOperation = {
  id: "windows-ec2launch-password",
  heading: "EC2Launch v2: a static administrator password becomes random",
  description:
    "In agent-config.yml, the setAdminAccount task's password type static (a password every instance shares) becomes random (EC2 encrypts a new one with the launch key pair) and its data is removed.",
  defaultOn: true,
  appliesTo: "windows",
  order: 720,
  async plan(ctx) {
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
