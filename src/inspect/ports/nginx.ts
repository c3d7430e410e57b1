/**
 * nginx's ports: `listen` in the `server` blocks of `http`, `stream` and `mail`, reading
 * /etc/nginx/nginx.conf and what it `include`s (sites-enabled/*, conf.d/*.conf on Debian and
 * RHEL). Tokens follow ngx_conf_file.c: words split by blanks, `;` `{` `}`, quotes, `#` comments
 * at a word's start. A `server` in `http` without `listen` listens on *:80 (the master runs as
 * root); `quic` (HTTP/3) and a stream's `udp` are UDP; `unix:` sockets have no port.
 */
import type { InspectContext } from "../context.js";
import {
  ConfigFiles,
  isLoopback,
  MAX_INCLUDE_DEPTH,
  type PortReader,
  type PortReading,
  portNumber,
  resolvePath,
  splitHostPort,
} from "./config-files.js";

const PREFIX = "/etc/nginx";
/** Blocks nest a few deep (http → server → location → if); deeper is hostile, and ends the file. */
const MAX_NESTING = 64;
const MAIN = "/etc/nginx/nginx.conf";

interface Directive {
  name: string;
  args: string[];
  file: string;
  line: number;
  block?: Directive[];
}

interface Token {
  text: string;
  line: number;
  /** `;`, `{` or `}` as syntax, not inside quotes. */
  special: boolean;
}

export function nginxTokens(text: string): Token[] {
  const out: Token[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "\n") line++;
    if (c === " " || c === "\t" || c === "\r" || c === "\n") {
      i++;
      continue;
    }
    if (c === "#") {
      while (i < text.length && text[i] !== "\n") i++;
      continue;
    }
    if (c === ";" || c === "{" || c === "}") {
      out.push({ text: c, line, special: true });
      i++;
      continue;
    }
    const start = line;
    let word = "";
    if (c === '"' || c === "'") {
      i++;
      while (i < text.length && text[i] !== c) {
        if (text[i] === "\\" && i + 1 < text.length) i++;
        if (text[i] === "\n") line++;
        word += text[i++];
      }
      i++;
    } else
      while (i < text.length && !/[\s;{}]/.test(text[i]!)) {
        if (text[i] === "\\" && i + 1 < text.length) i++;
        word += text[i++];
      }
    out.push({ text: word, line: start, special: false });
  }
  return out;
}

/** Directives of one file, with `include` expanded where it stands (nginx reads it there). */
async function parseFile(files: ConfigFiles, file: string, depth: number): Promise<Directive[]> {
  const text = depth > MAX_INCLUDE_DEPTH ? undefined : await files.read(file);
  if (text === undefined) return [];
  const tokens = nginxTokens(text);
  let at = 0;
  const block = async (nesting: number): Promise<Directive[]> => {
    const list: Directive[] = [];
    let words: Token[] = [];
    while (at < tokens.length) {
      const t = tokens[at++]!;
      if (!t.special) {
        words.push(t);
        continue;
      }
      if (t.text === "}") return list;
      const [name, ...args] = words.map((w) => w.text);
      const line = words[0]?.line ?? t.line;
      words = [];
      if (name === undefined) continue;
      if (t.text === "{") {
        if (nesting >= MAX_NESTING) {
          files.unknown(file, `blocks nested more than ${MAX_NESTING} deep at line ${t.line}`);
          at = tokens.length;
          return list;
        }
        list.push({ name, args, file, line, block: await block(nesting + 1) });
      } else if (name === "include" && args[0] !== undefined) {
        for (const path of (await files.glob(resolvePath(PREFIX, args[0]))) ?? [])
          list.push(...(await parseFile(files, path, depth + 1)));
      } else list.push({ name, args, file, line });
    }
    return list;
  };
  return block(0);
}

type Context = "http" | "stream" | "mail";

function listenOf(d: Directive, context: Context): PortReading | undefined {
  const address = d.args[0] ?? "";
  if (address.startsWith("unix:") || address.includes("$")) return undefined;
  const [host, portText] = splitHostPort(address);
  // A listen without a port is port 80 in http; stream and mail need one.
  const port = portText === undefined ? (context === "http" ? 80 : undefined) : portNumber(portText);
  if (port === undefined) return undefined;
  const flags = d.args.slice(1);
  const udp = context === "http" ? flags.includes("quic") : context === "stream" && flags.includes("udp");
  return {
    port,
    protocol: udp ? "udp" : "tcp",
    source: `${d.file}:${d.line} listen`,
    loopbackOnly: host !== undefined && isLoopback(host),
  };
}

function serverPorts(list: readonly Directive[], context: Context, out: PortReading[]): void {
  for (const d of list) {
    if (!d.block) continue;
    if (d.name !== "server") continue;
    const listens = d.block.filter((l) => l.name === "listen" && !l.block);
    for (const l of listens) {
      const r = listenOf(l, context);
      if (r) out.push(r);
    }
    if (listens.length === 0 && context === "http")
      out.push({
        port: 80,
        protocol: "tcp",
        source: `${d.file}:${d.line} server without listen (nginx's default *:80)`,
        loopbackOnly: false,
      });
  }
}

export const nginxReader: PortReader = {
  name: "nginx",
  paths: [MAIN, `${PREFIX}/conf.d/*`, `${PREFIX}/sites-enabled/*`],
  instanceOf: (service) => (service === "nginx" ? "" : undefined),
  async read(ctx: InspectContext): Promise<PortReading[]> {
    const main = await parseFile(new ConfigFiles(ctx), MAIN, 0);
    const out: PortReading[] = [];
    for (const d of main)
      if (d.block && (d.name === "http" || d.name === "stream" || d.name === "mail"))
        serverPorts(d.block, d.name, out);
    return out;
  },
};
