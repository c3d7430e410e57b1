/**
 * The ports of a socket unit enabled at boot: its ListenStream= (TCP) and ListenDatagram= (UDP)
 * with a port (systemd.socket(5): "PORT", "ADDRESS:PORT", "[IPV6]:PORT"), from the unit file and
 * its drop-ins (NAME.socket.d/*.conf in every unit directory; a drop-in's name in a higher
 * directory hides the same name below; applied in name order). An empty assignment of any Listen
 * option clears every address before it. Paths (/run/…), abstract sockets, vsock, and values with
 * specifiers (%…) have no port we can know.
 */
import { joinImagePath } from "../../fs/path.js";
import type { InspectContext } from "../context.js";
import { UNIT_DIRS } from "../services.js";
import { splitLines } from "../text-files.js";
import {
  byteOrder,
  ConfigFiles,
  isLoopback,
  type PortReading,
  portNumber,
  splitHostPort,
} from "./config-files.js";

const LISTEN = /^Listen(Stream|Datagram|SequentialPacket|FIFO|Special|Netlink|MessageQueue|USBFunction)$/;

interface Listen {
  kind: string;
  value: string;
  source: string;
}

/** The Listen options of a unit file's [Socket] section, appended to (or cleared in) `into`. */
export function socketListens(text: string, file: string, into: Listen[]): void {
  let inSocket = false;
  const lines = splitLines(text);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    let line = lines[i]!.trim();
    while (line.endsWith("\\") && i + 1 < lines.length) line = `${line.slice(0, -1)} ${lines[++i]!.trim()}`;
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      inSocket = section[1] === "Socket";
      continue;
    }
    const kv = /^([A-Za-z]+)\s*=\s*(.*)$/.exec(line);
    if (!inSocket || !kv) continue;
    const m = LISTEN.exec(kv[1]!);
    if (!m) continue;
    const value = kv[2]!.trim();
    if (value === "") into.length = 0;
    else into.push({ kind: m[1]!, value, source: `${file}:${lineNo} ${kv[1]}` });
  }
}

function portOf(l: Listen): PortReading | undefined {
  if (l.kind !== "Stream" && l.kind !== "Datagram") return undefined;
  const v = l.value;
  if (v.includes("%") || v.startsWith("/") || v.startsWith("@") || v.startsWith("vsock:")) return undefined;
  const [host, portText] = splitHostPort(v);
  const port = portText === undefined ? undefined : portNumber(portText);
  if (port === undefined) return undefined;
  return {
    port,
    protocol: l.kind === "Stream" ? "tcp" : "udp",
    source: l.source,
    loopbackOnly: host !== undefined && isLoopback(host),
  };
}

/** The ports an enabled socket unit listens on; [] for a template or a unit not installed. */
export async function socketUnitPorts(ctx: InspectContext, name: string): Promise<PortReading[]> {
  if (name.includes("@")) return [];
  const unit = (await ctx.get("services")).units.find((u) => u.name === name);
  if (!unit) return [];
  const files = new ConfigFiles(ctx);
  const listens: Listen[] = [];
  const text = await files.read(unit.path);
  if (text !== undefined) socketListens(text, unit.path, listens);
  const dropIns = new Map<string, string>();
  for (const dir of UNIT_DIRS)
    for (const path of await files.filesIn(joinImagePath(dir, `${name}.d`), (n) => n.endsWith(".conf"))) {
      const base = path.slice(path.lastIndexOf("/") + 1);
      if (!dropIns.has(base)) dropIns.set(base, path);
    }
  for (const base of [...dropIns.keys()].sort(byteOrder)) {
    const path = dropIns.get(base)!;
    const dropIn = await files.read(path);
    if (dropIn !== undefined) socketListens(dropIn, path, listens);
  }
  return listens.map(portOf).filter((p): p is PortReading => p !== undefined);
}
