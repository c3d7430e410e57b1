import type { Inspector } from "./context.js";
import { readOptionalDir } from "./text-files.js";

/** A command the system runs again and again: a cron line or the ExecStart of a unit a timer starts. */
export interface ScheduledCommand {
  path: string;
  line: number;
  command: string;
  via: "cron" | "systemd-timer";
}

export interface ScheduleFacts {
  commands: ScheduledCommand[];
}

const CRON_FILES = ["/etc/crontab"];
const CRON_DIRS = ["/etc/cron.d", "/var/spool/cron/crontabs", "/var/spool/cron"];
const SCRIPT_DIRS = ["/etc/cron.hourly", "/etc/cron.daily", "/etc/cron.weekly", "/etc/cron.monthly"];
const MAX_FILE = 1024 * 1024;

function cronLines(text: string, path: string, systemFormat: boolean): ScheduledCommand[] {
  const out: ScheduledCommand[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || /^[A-Za-z_][A-Za-z0-9_]*\s*=/.test(line)) return;
    // "m h dom mon dow [user] command" or "@daily [user] command" (system crontabs name the user).
    const fields = line.split(/\s+/);
    const timeFields = fields[0]?.startsWith("@") ? 1 : 5;
    const command = fields.slice(timeFields + (systemFormat ? 1 : 0)).join(" ");
    if (command) out.push({ path, line: i + 1, command, via: "cron" });
  });
  return out;
}

export const schedulesInspector: Inspector<"schedules"> = {
  name: "schedules",
  description: "commands run on a schedule: cron tables, cron script folders, systemd timers",
  paths: [
    ...CRON_FILES,
    ...CRON_DIRS.map((d) => `${d}/*`),
    ...SCRIPT_DIRS.map((d) => `${d}/*`),
    "/etc/systemd/system/*.timer",
  ],
  async inspect(ctx) {
    const commands: ScheduledCommand[] = [];
    const read = async (path: string) => {
      try {
        return await ctx.image.readTextIfExists(path, MAX_FILE);
      } catch (e) {
        ctx.unknown(path, e);
        return undefined;
      }
    };
    const list = async (dir: string) =>
      (await readOptionalDir(ctx, dir))
        .filter((e) => e.type === "file")
        .map((e) => `${dir}/${e.name}`)
        .sort();
    for (const path of CRON_FILES) {
      const text = await read(path);
      if (text !== undefined) commands.push(...cronLines(text, path, true));
    }
    for (const dir of CRON_DIRS)
      for (const path of await list(dir)) {
        const text = await read(path);
        if (text !== undefined) commands.push(...cronLines(text, path, dir === "/etc/cron.d"));
      }
    for (const dir of SCRIPT_DIRS)
      for (const path of await list(dir)) {
        const text = await read(path);
        text?.split("\n").forEach((raw, i) => {
          const line = raw.trim();
          if (line && !line.startsWith("#")) commands.push({ path, line: i + 1, command: line, via: "cron" });
        });
      }
    const services = await ctx.get("services");
    for (const timer of services.units.filter((u) => u.name.endsWith(".timer"))) {
      if (!services.isEnabled(timer.name)) continue;
      const timerText = (await read(timer.path)) ?? "";
      const unitName =
        /^\s*Unit\s*=\s*(\S+)/m.exec(timerText)?.[1] ?? timer.name.replace(/\.timer$/, ".service");
      const unit = services.units.find((u) => u.name === unitName);
      const text = unit ? await read(unit.path) : undefined;
      text?.split("\n").forEach((raw, i) => {
        const m = /^\s*ExecStart(?:Pre|Post)?\s*=\s*[-@:+!]*(.+)$/.exec(raw);
        if (m?.[1])
          commands.push({ path: unit!.path, line: i + 1, command: m[1].trim(), via: "systemd-timer" });
      });
    }
    return { commands };
  },
};
