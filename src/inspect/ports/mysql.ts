/**
 * MySQL's and MariaDB's port: `port` (default 3306), `bind-address` and `skip-networking` in the
 * server's option groups of /etc/my.cnf then /etc/mysql/my.cnf, following `!include` and
 * `!includedir` (its *.cnf in byte order) where they stand; the last value wins (my_default.c).
 * Option names take `-` or `_` and a `loose-` prefix; `skip-X`/`disable-X` turn X off.
 * Groups read: [mysqld], [server], [mariadb], [mariadbd], [client-server], [galera]; a version's
 * own group ([mysqld-8.0]) depends on the server's version: when one sets any of these options
 * nothing is listed.
 */
import { parentOf } from "../../fs/path.js";
import type { InspectContext } from "../context.js";
import { splitLines } from "../text-files.js";
import {
  ConfigFiles,
  isLoopback,
  MAX_INCLUDE_DEPTH,
  type PortReader,
  type PortReading,
  portNumber,
  resolvePath,
} from "./config-files.js";

const OPTION_FILES = ["/etc/my.cnf", "/etc/mysql/my.cnf"];
const SERVER_GROUPS = new Set(["mysqld", "server", "mariadb", "mariadbd", "client-server", "galera"]);
const VERSIONED_GROUP = /^(mysqld|mariadb|mariadbd)-\d/;
const DEFAULT_PORT = 3306;

interface Options {
  port?: { value: string; source: string };
  bindAddress?: string;
  skipNetworking: boolean;
  /** An option of ours set in a group that applies only to some server versions. */
  versioned: boolean;
}

/** "skip_networking" → "skip-networking"; loose- dropped. */
const optionName = (name: string) =>
  name
    .toLowerCase()
    .replace(/_/g, "-")
    .replace(/^loose-/, "");

function unquote(value: string): string {
  const v = value.trim();
  const q = /^(["'])(.*?)\1/.exec(v);
  // A trailing comment follows a value after blanks (an unquoted value).
  return q ? q[2]! : v.replace(/\s+#.*$/, "").trim();
}

const OFF = new Set(["0", "off", "false", "no"]);

async function readOptionFile(
  files: ConfigFiles,
  file: string,
  o: Options,
  depth: number,
  group: { name: string },
): Promise<void> {
  const text = depth > MAX_INCLUDE_DEPTH ? undefined : await files.read(file);
  if (text === undefined) return;
  const lines = splitLines(text);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const directive = /^!(include|includedir)\s+(.+)$/.exec(line);
    if (directive) {
      const target = resolvePath(parentOf(file), directive[2]!.trim());
      const paths =
        directive[1] === "include" ? [target] : await files.filesIn(target, (n) => n.endsWith(".cnf"));
      // An included file starts outside any group, and the includer's group goes on after it.
      for (const p of paths) await readOptionFile(files, p, o, depth + 1, { name: "" });
      continue;
    }
    const section = /^\[\s*([^\]]+?)\s*\]/.exec(line);
    if (section) {
      group.name = section[1]!.toLowerCase();
      continue;
    }
    const kv = /^([^=\s]+)\s*(?:=(.*))?$/.exec(line);
    if (!kv) continue;
    const name = optionName(kv[1]!);
    const value = kv[2] === undefined ? undefined : unquote(kv[2]);
    const ours = [
      "port",
      "bind-address",
      "skip-networking",
      "disable-skip-networking",
      "skip-skip-networking",
      "enable-skip-networking",
    ].includes(name);
    if (!ours) continue;
    if (VERSIONED_GROUP.test(group.name)) o.versioned = true;
    if (!SERVER_GROUPS.has(group.name)) continue;
    if (name === "port" && value !== undefined) o.port = { value, source: `${file}:${i + 1} port` };
    else if (name === "bind-address" && value !== undefined) o.bindAddress = value;
    else if (name === "skip-networking" || name === "enable-skip-networking")
      o.skipNetworking = value === undefined || !OFF.has(value.toLowerCase());
    else if (name === "disable-skip-networking" || name === "skip-skip-networking") o.skipNetworking = false;
  }
}

export const mysqlReader: PortReader = {
  name: "mysql",
  paths: [...OPTION_FILES, "/etc/mysql/*/*.cnf", "/etc/my.cnf.d/*.cnf"],
  instanceOf: (service) => (["mysql", "mysqld", "mariadb"].includes(service) ? "" : undefined),
  async read(ctx: InspectContext): Promise<PortReading[]> {
    const files = new ConfigFiles(ctx);
    const o: Options = { skipNetworking: false, versioned: false };
    for (const f of OPTION_FILES) await readOptionFile(files, f, o, 0, { name: "" });
    if (o.versioned || o.skipNetworking) return [];
    const port = o.port ? portNumber(o.port.value) : DEFAULT_PORT;
    if (port === undefined) return [];
    const addresses = (o.bindAddress ?? "*").split(",").map((a) => a.trim());
    return [
      {
        port,
        protocol: "tcp",
        source: o.port?.source ?? "MySQL's default port (no option file sets port)",
        loopbackOnly: addresses.every(isLoopback),
      },
    ];
  },
};
