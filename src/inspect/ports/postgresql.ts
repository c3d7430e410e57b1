/**
 * PostgreSQL's port: `port` (default 5432) and `listen_addresses` (default 'localhost'; '' is no
 * TCP at all) as the server reads them (guc-file.l): postgresql.conf with its include,
 * include_if_exists and include_dir (relative to the including file; a directory's *.conf in
 * byte order), then postgresql.auto.conf in the data directory; the last setting wins.
 * Which configuration: Debian's clusters /etc/postgresql/VERSION/NAME (those whose start.conf
 * says auto, for postgresql.service; one, for postgresql@VERSION-NAME), else RHEL's
 * /var/lib/pgsql/data (postgresql.service) or /var/lib/pgsql/VERSION/data (postgresql-VERSION).
 * A port given on the command line or in PGPORT by a unit is not read.
 */
import { joinImagePath, parentOf } from "../../fs/path.js";
import type { InspectContext } from "../context.js";
import { readOptionalDir, readOptionalText, splitLines } from "../text-files.js";
import {
  ConfigFiles,
  isLoopback,
  MAX_INCLUDE_DEPTH,
  type PortReader,
  type PortReading,
  portNumber,
  resolvePath,
} from "./config-files.js";

const DEBIAN_CLUSTERS = "/etc/postgresql";
const DEFAULT_PORT = 5432;

interface Setting {
  value: string;
  source: string;
}

/** `name [=] value [# comment]`; the value quoted ('…', '' and \' inside) or one word. */
export function parsePostgresLine(line: string): [name: string, value: string] | undefined {
  const m = /^\s*([A-Za-z_][\w.-]*)\s*=?\s*(.*)$/.exec(line);
  if (!m) return undefined;
  const rest = m[2]!;
  if (rest.startsWith("'")) {
    let value = "";
    for (let i = 1; i < rest.length; i++) {
      const c = rest[i]!;
      if (c === "\\" && i + 1 < rest.length) value += rest[++i];
      else if (c === "'" && rest[i + 1] === "'") {
        value += "'";
        i++;
      } else if (c === "'") return [m[1]!.toLowerCase(), value];
      else value += c;
    }
    return undefined;
  }
  const word = /^([^\s#']*)/.exec(rest)![1]!;
  return word === "" ? undefined : [m[1]!.toLowerCase(), word];
}

async function readConf(files: ConfigFiles, file: string, settings: Map<string, Setting>, depth: number) {
  const text = depth > MAX_INCLUDE_DEPTH ? undefined : await files.read(file);
  if (text === undefined) return;
  const dir = parentOf(file);
  const lines = splitLines(text);
  for (let i = 0; i < lines.length; i++) {
    const kv = parsePostgresLine(lines[i]!);
    if (!kv) continue;
    const [name, value] = kv;
    if (name === "include" || name === "include_if_exists")
      await readConf(files, resolvePath(dir, value), settings, depth + 1);
    else if (name === "include_dir") {
      const paths = await files.filesIn(
        resolvePath(dir, value),
        (n) => n.endsWith(".conf") && !n.startsWith("."),
      );
      for (const p of paths) await readConf(files, p, settings, depth + 1);
    } else settings.set(name, { value, source: `${file}:${i + 1} ${name}` });
  }
}

/** The ports one cluster listens on, from its postgresql.conf. */
async function clusterPorts(ctx: InspectContext, conf: string): Promise<PortReading[]> {
  const files = new ConfigFiles(ctx);
  if (!(await ctx.image.exists(conf).catch(() => false))) return [];
  const settings = new Map<string, Setting>();
  await readConf(files, conf, settings, 0);
  const dataDir = settings.get("data_directory")?.value;
  await readConf(
    files,
    joinImagePath(dataDir ? resolvePath(parentOf(conf), dataDir) : parentOf(conf), "postgresql.auto.conf"),
    settings,
    0,
  );
  const addresses = (settings.get("listen_addresses")?.value ?? "localhost")
    .split(",")
    .map((a) => a.trim())
    .filter((a) => a !== "");
  if (addresses.length === 0) return [];
  const set = settings.get("port");
  const port = set ? portNumber(set.value) : DEFAULT_PORT;
  if (port === undefined) return [];
  return [
    {
      port,
      protocol: "tcp",
      source: set?.source ?? `PostgreSQL's default port (${conf} sets none)`,
      loopbackOnly: addresses.every(isLoopback),
    },
  ];
}

/** Debian's clusters: /etc/postgresql/VERSION/NAME/postgresql.conf, with start.conf "auto" (its default). */
async function debianClusters(ctx: InspectContext): Promise<string[] | undefined> {
  const versions = await readOptionalDir(ctx, DEBIAN_CLUSTERS);
  if (versions.length === 0) return undefined;
  const out: string[] = [];
  for (const v of versions
    .filter((e) => e.type === "directory")
    .map((e) => e.name)
    .sort())
    for (const c of (await readOptionalDir(ctx, joinImagePath(DEBIAN_CLUSTERS, v)))
      .map((e) => e.name)
      .sort()) {
      const dir = `${DEBIAN_CLUSTERS}/${v}/${c}`;
      const start = splitLines((await readOptionalText(ctx, `${dir}/start.conf`)) ?? "")
        .map((l) => l.replace(/#.*/, "").trim())
        .find((l) => l !== "");
      if ((start ?? "auto") === "auto") out.push(`${dir}/postgresql.conf`);
    }
  return out;
}

export const postgresqlReader: PortReader = {
  name: "postgresql",
  paths: [
    `${DEBIAN_CLUSTERS}/*/*/postgresql.conf`,
    `${DEBIAN_CLUSTERS}/*/*/start.conf`,
    `${DEBIAN_CLUSTERS}/*/*/conf.d/*`,
    "/var/lib/postgresql/*/*/postgresql.auto.conf",
    "/var/lib/pgsql/data/*.conf",
    "/var/lib/pgsql/*/data/*.conf",
  ],
  instanceOf: (service) => (/^postgresql(?:@\d[\w.]*-.+|-\d[\w.]*)?$/.test(service) ? service : undefined),
  async read(ctx: InspectContext, service: string): Promise<PortReading[]> {
    const instance = /^postgresql@(\d[\w.]*)-(.+)$/.exec(service);
    const pgdg = /^postgresql-(\d[\w.]*)$/.exec(service);
    let confs: string[];
    if (instance) confs = [`${DEBIAN_CLUSTERS}/${instance[1]}/${instance[2]}/postgresql.conf`];
    else if (pgdg) confs = [`/var/lib/pgsql/${pgdg[1]}/data/postgresql.conf`];
    else confs = (await debianClusters(ctx)) ?? ["/var/lib/pgsql/data/postgresql.conf"];
    const out: PortReading[] = [];
    for (const conf of confs) out.push(...(await clusterPorts(ctx, conf)));
    return out;
  },
};
