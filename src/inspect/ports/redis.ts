/**
 * Redis's ports: `port` (default 6379; 0 is no TCP port) and `tls-port`, bound to `bind`'s
 * addresses (all when there is no bind; a leading `-` marks an optional address), from the
 * service's configuration with its `include`s where they stand; the last value wins (config.c).
 * Which file: /etc/redis/redis.conf (redis-server.service, Debian; redis.service, else
 * /etc/redis.conf), /etc/redis/redis-NAME.conf for redis-server@NAME. An include by a relative
 * path depends on the server's working directory: then nothing is listed.
 */
import type { InspectContext } from "../context.js";
import { splitLines } from "../text-files.js";
import {
  ConfigFiles,
  isLoopback,
  MAX_INCLUDE_DEPTH,
  type PortReader,
  type PortReading,
  portNumber,
} from "./config-files.js";

const DEFAULT_PORT = 6379;

interface Settings {
  port?: { value: string; source: string };
  tlsPort?: { value: string; source: string };
  bind?: string[];
  undecided: boolean;
}

/** Arguments as sdssplitargs splits them: blanks, "…" with escapes, '…'. */
function args(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push(m[1]?.replace(/\\(.)/g, "$1") ?? m[2] ?? m[3]!);
  return out;
}

async function readRedisConf(files: ConfigFiles, file: string, s: Settings, depth: number): Promise<void> {
  const text = depth > MAX_INCLUDE_DEPTH ? undefined : await files.read(file);
  if (text === undefined) return;
  const lines = splitLines(text);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "" || line.startsWith("#")) continue;
    const [name, ...values] = args(line);
    const directive = name!.toLowerCase();
    const source = `${file}:${i + 1} ${directive}`;
    if (directive === "include" && values[0]) {
      if (!values[0].startsWith("/")) s.undecided = true;
      else for (const p of (await files.glob(values[0])) ?? []) await readRedisConf(files, p, s, depth + 1);
    } else if (directive === "port" && values[0]) s.port = { value: values[0], source };
    else if (directive === "tls-port" && values[0]) s.tlsPort = { value: values[0], source };
    else if (directive === "bind") s.bind = values.map((v) => v.replace(/^-/, ""));
  }
}

function configOf(service: string): string[] | undefined {
  if (service === "redis-server") return ["/etc/redis/redis.conf"];
  if (service === "redis") return ["/etc/redis/redis.conf", "/etc/redis.conf"];
  const m = /^redis-server@(.+)$/.exec(service);
  return m ? [`/etc/redis/redis-${m[1]}.conf`] : undefined;
}

export const redisReader: PortReader = {
  name: "redis",
  paths: ["/etc/redis/*.conf", "/etc/redis.conf"],
  instanceOf: (service) => (configOf(service) ? service : undefined),
  async read(ctx: InspectContext, service: string): Promise<PortReading[]> {
    let conf: string | undefined;
    for (const c of configOf(service) ?? [])
      if (await ctx.image.exists(c).catch(() => false)) {
        conf = c;
        break;
      }
    if (!conf) return [];
    const s: Settings = { undecided: false };
    await readRedisConf(new ConfigFiles(ctx), conf, s, 0);
    if (s.undecided) return [];
    const loopbackOnly = s.bind !== undefined && s.bind.length > 0 && s.bind.every(isLoopback);
    const out: PortReading[] = [];
    const port = s.port ? (s.port.value === "0" ? undefined : portNumber(s.port.value)) : DEFAULT_PORT;
    if (port !== undefined)
      out.push({
        port,
        protocol: "tcp",
        source: s.port?.source ?? `Redis's default port (${conf} sets none)`,
        loopbackOnly,
      });
    const tls = s.tlsPort && s.tlsPort.value !== "0" ? portNumber(s.tlsPort.value) : undefined;
    if (tls !== undefined) out.push({ port: tls, protocol: "tcp", source: s.tlsPort!.source, loopbackOnly });
    return out;
  },
};
