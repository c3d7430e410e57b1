/**
 * The ports the services started at boot listen on, where their configuration says so: nginx,
 * Apache httpd, PostgreSQL, MySQL/MariaDB and Redis from their configuration files (ports/*.ts),
 * and socket units from their Listen options. Only services the bootServices fact names; a
 * service whose port cannot be known from the image (a port given on a command line, a setting
 * that depends on the server's version) is left out, never guessed. sshd's and RDP's ports are
 * read by the listing facts from the sshd and windows facts.
 */
import type { Inspector } from "./context.js";
import { apacheReader } from "./ports/apache.js";
import { byteOrder, type PortReader, type PortReading } from "./ports/config-files.js";
import { mysqlReader } from "./ports/mysql.js";
import { nginxReader } from "./ports/nginx.js";
import { postgresqlReader } from "./ports/postgresql.js";
import { redisReader } from "./ports/redis.js";
import { socketUnitPorts } from "./ports/systemd-socket.js";

export interface ServicePort {
  port: number;
  protocol: "tcp" | "udp";
  /** The boot service that listens ("nginx.service", "nginx" for a SysV script). */
  service: string;
  /** Where the port was read ("/etc/nginx/sites-enabled/default:22 listen"), the first place. */
  source: string;
  /** Every address it binds is a loopback address: only the instance itself can connect. */
  loopbackOnly: boolean;
}

export interface ServicePortFacts {
  /** By service in boot-service order, then port and protocol. */
  ports: ServicePort[];
}

export const PORT_READERS: readonly PortReader[] = [
  apacheReader,
  mysqlReader,
  nginxReader,
  postgresqlReader,
  redisReader,
];

/** One port per port and protocol: bound to loopback only when every reading of it is. */
function merged(readings: readonly PortReading[], service: string): ServicePort[] {
  const byKey = new Map<string, ServicePort>();
  for (const r of readings) {
    const key = `${r.port}/${r.protocol}`;
    const seen = byKey.get(key);
    if (seen) seen.loopbackOnly &&= r.loopbackOnly;
    else
      byKey.set(key, {
        port: r.port,
        protocol: r.protocol,
        service,
        source: r.source,
        loopbackOnly: r.loopbackOnly,
      });
  }
  return [...byKey.values()].sort((a, b) => a.port - b.port || byteOrder(a.protocol, b.protocol));
}

export const servicePortsInspector: Inspector<"servicePorts"> = {
  name: "servicePorts",
  description:
    "ports the boot services listen on where their configuration says: nginx, Apache, PostgreSQL, MySQL/MariaDB, Redis, socket units",
  paths: [...PORT_READERS.flatMap((r) => r.paths), "/etc/systemd/system/*.socket.d/*.conf"],
  async inspect(ctx) {
    const ports: ServicePort[] = [];
    const done = new Set<string>();
    for (const s of (await ctx.get("bootServices")).services) {
      if (s.via === "windows") continue;
      if (s.via === "systemd" && s.name.endsWith(".socket")) {
        ports.push(...merged(await socketUnitPorts(ctx, s.name), s.name));
        continue;
      }
      const name = s.name.replace(/\.service$/, "");
      for (const reader of PORT_READERS) {
        const instance = reader.instanceOf(name);
        // A daemon started both by a unit and an rc link is read once.
        if (instance === undefined || done.has(`${reader.name}:${instance}`)) continue;
        done.add(`${reader.name}:${instance}`);
        ports.push(...merged(await reader.read(ctx, instance), s.name));
      }
    }
    return { ports };
  },
};
