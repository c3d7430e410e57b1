import { createRequire } from "node:module";
import type { XMLParser as XMLParserType } from "fast-xml-parser";
import { loadYaml } from "../load-yaml.js";

// Loaded on first use: Linux scans never need an XML parser.
const require = createRequire(import.meta.url);
const xmlParser = (options: ConstructorParameters<typeof XMLParserType>[0]): XMLParserType =>
  new (require("fast-xml-parser") as { XMLParser: typeof XMLParserType }).XMLParser(options);

import type { InspectContext } from "../context.js";
import { readIfExists } from "./paths.js";
import type { LaunchAgents } from "./types.js";

const MAX_CONFIG = 4 * 1024 * 1024;

export const AGENT_PATHS = {
  ec2launchV2: "/ProgramData/Amazon/EC2Launch/config/agent-config.yml",
  ec2launchV1: "/ProgramData/Amazon/EC2-Windows/Launch/Config/LaunchConfig.json",
  ec2config: "/Program Files/Amazon/Ec2ConfigService/Settings/config.xml",
} as const;

function record(v: unknown): Record<string, unknown> | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

/** Text of a config file; BOMs stripped (Windows tools write UTF-8 and UTF-16LE with BOM). */
export function configText(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString("utf16le");
  const s = bytes.toString("utf8");
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

/** EC2Launch v2 agent-config.yml: stages → tasks; setAdminAccount's password type. */
export async function parseEc2LaunchV2(
  text: string,
  path: string,
): Promise<NonNullable<LaunchAgents["ec2launchV2"]>> {
  // Loaded here, not at start-up: yaml is ~70 modules and only Windows images have this file.
  const { parse: parseYaml } = await loadYaml();
  const doc = record(parseYaml(text, { maxAliasCount: 100 }));
  const tasks: string[] = [];
  let setAdminAccount: NonNullable<LaunchAgents["ec2launchV2"]>["setAdminAccount"];
  const stages = Array.isArray(doc?.config) ? doc.config : [];
  for (const stage of stages) {
    const list = record(stage)?.tasks;
    for (const t of Array.isArray(list) ? list : []) {
      const task = record(t);
      if (typeof task?.task !== "string") continue;
      tasks.push(task.task);
      if (task.task === "setAdminAccount") {
        const password = record(record(task.inputs)?.password);
        setAdminAccount = {
          passwordType: typeof password?.type === "string" ? password.type : undefined,
          hasPasswordData: password?.data !== undefined && password.data !== null && password.data !== "",
        };
      }
    }
  }
  return setAdminAccount ? { path, tasks, setAdminAccount } : { path, tasks };
}

/** EC2Launch v1 LaunchConfig.json: adminPasswordType Random / Specify / DoNothing. */
export function parseEc2LaunchV1(text: string, path: string): NonNullable<LaunchAgents["ec2launchV1"]> {
  const doc = record(JSON.parse(text));
  return {
    path,
    adminPasswordType: typeof doc?.adminPasswordType === "string" ? doc.adminPasswordType : undefined,
    hasAdminPassword: typeof doc?.adminPassword === "string" && doc.adminPassword !== "",
  };
}

/** EC2Config config.xml: Ec2ConfigurationSettings/Plugins/Plugin (Name, State). */
export function parseEc2Config(text: string, path: string): NonNullable<LaunchAgents["ec2config"]> {
  const doc = xmlParser({ processEntities: false, isArray: (name) => name === "Plugin" }).parse(text);
  const plugins: Record<string, string> = {};
  for (const p of doc?.Ec2ConfigurationSettings?.Plugins?.Plugin ?? []) {
    if (typeof p?.Name === "string") plugins[p.Name] = String(p.State ?? "");
  }
  return { path, plugins };
}

export async function readLaunchAgents(ctx: InspectContext): Promise<LaunchAgents> {
  const agents: LaunchAgents = {};
  const parsers = {
    ec2launchV2: parseEc2LaunchV2,
    ec2launchV1: parseEc2LaunchV1,
    ec2config: parseEc2Config,
  } as const;
  for (const [name, wanted] of Object.entries(AGENT_PATHS) as Array<[keyof LaunchAgents, string]>) {
    try {
      const file = await readIfExists(ctx.image, wanted, MAX_CONFIG);
      if (file)
        (agents as Record<string, unknown>)[name] = await parsers[name](configText(file.bytes), file.path);
    } catch (e) {
      ctx.unknown(wanted, e);
    }
  }
  return agents;
}
