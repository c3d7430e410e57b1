/**
 * Apache httpd's ports: `Listen [address:]port [protocol]` (always TCP), read from the main
 * configuration and what it `Include`s, in order, as httpd reads it (core/config.c): Debian's
 * /etc/apache2/apache2.conf (ports.conf, mods-enabled/*.load), RHEL's /etc/httpd/conf/httpd.conf
 * (conf.modules.d/*.conf). `<IfModule>` is decided by the LoadModule lines read before it and the
 * modules built in; the sections whose condition the image does not decide (<IfDefine>, <If>,
 * <IfVersion>, <IfFile>…) and <Macro> bodies are skipped: their Listen lines are not listed.
 */
import { baseName } from "../../fs/path.js";
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
  splitHostPort,
} from "./config-files.js";

interface Layout {
  root: string;
  main: string;
  /** Modules compiled in (`apache2 -l` / `httpd -l`), by identifier and by source file. */
  builtIn: readonly string[];
}

const DEBIAN_BUILT_IN = [
  ...["core", "so", "watchdog", "http", "log_config", "logio", "version", "unixd"].map((m) => `${m}_module`),
  ...["core.c", "mod_so.c", "mod_watchdog.c", "http_core.c", "mod_log_config.c", "mod_logio.c"],
  ...["mod_version.c", "mod_unixd.c"],
];
const RHEL_BUILT_IN = ["core_module", "so_module", "http_module", "core.c", "mod_so.c", "http_core.c"];

/** Sections whose condition is not decided from the image's files. */
const UNDECIDED = new Set([
  "ifdefine",
  "if",
  "elseif",
  "else",
  "ifversion",
  "iffile",
  "ifdirective",
  "ifsection",
  "macro",
]);

/** Words of a directive line; quotes group, backslash escapes inside them. */
function words(text: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|(\S+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push((m[1] ?? m[2] ?? m[3]!).replace(/\\(.)/g, "$1"));
  return out;
}

class ApacheConfig {
  readonly files: ConfigFiles;
  readonly loaded: Set<string>;
  root: string;
  readonly ports: PortReading[] = [];
  /** Open sections; a false one (or an undecided one) makes what is inside it not apply. */
  readonly #stack: Array<{ name: string; applies: boolean }> = [];

  constructor(ctx: InspectContext, layout: Layout) {
    this.files = new ConfigFiles(ctx);
    this.loaded = new Set(layout.builtIn);
    this.root = layout.root;
  }

  #applies(): boolean {
    return this.#stack.every((s) => s.applies);
  }

  #moduleLoaded(arg: string): boolean {
    const negated = arg.startsWith("!");
    const name = negated ? arg.slice(1) : arg;
    return this.loaded.has(name) !== negated;
  }

  async read(file: string, depth: number): Promise<void> {
    const text = depth > MAX_INCLUDE_DEPTH ? undefined : await this.files.read(file);
    if (text === undefined) return;
    const lines = splitLines(text);
    for (let i = 0; i < lines.length; i++) {
      const lineNo = i + 1;
      let line = lines[i]!.trim();
      while (line.endsWith("\\") && i + 1 < lines.length) line = `${line.slice(0, -1)} ${lines[++i]!.trim()}`;
      if (line === "" || line.startsWith("#")) continue;
      const close = /^<\/\s*([A-Za-z]+)\s*>$/.exec(line);
      if (close) {
        if (this.#stack.length > 0) this.#stack.pop();
        continue;
      }
      const open = /^<\s*([A-Za-z]+)(.*?)>$/.exec(line);
      if (open) {
        const name = open[1]!.toLowerCase();
        const arg = words(open[2]!)[0] ?? "";
        const applies =
          this.#applies() && !UNDECIDED.has(name) && (name !== "ifmodule" || this.#moduleLoaded(arg));
        this.#stack.push({ name, applies });
        continue;
      }
      if (!this.#applies()) continue;
      const [directive, ...args] = words(line);
      await this.#directive(directive!.toLowerCase(), args, file, lineNo, depth);
    }
  }

  async #directive(name: string, args: string[], file: string, line: number, depth: number): Promise<void> {
    if (name === "serverroot" && args[0]) this.root = resolvePath("/", args[0]);
    else if (name === "loadmodule" && args[0] && args[1]) {
      this.loaded.add(args[0]);
      this.loaded.add(`${baseName(args[1]).replace(/\.so$/, "")}.c`);
    } else if ((name === "include" || name === "includeoptional") && args[0]) {
      if (args[0].includes("${")) return;
      const target = resolvePath(this.root, args[0]);
      const paths = (await this.files.isDirectory(target))
        ? await this.files.filesIn(target, () => true)
        : await this.files.glob(target);
      // Sections opened in an included file close there: keep the includer's stack as it was.
      const depthBefore = this.#stack.length;
      for (const p of paths ?? []) {
        await this.read(p, depth + 1);
        this.#stack.length = depthBefore;
      }
    } else if (name === "listen" && args[0] && !args[0].includes("${")) {
      const [host, portText] = splitHostPort(args[0]);
      const port = portText === undefined ? undefined : portNumber(portText);
      if (port !== undefined)
        this.ports.push({
          port,
          protocol: "tcp",
          source: `${file}:${line} Listen`,
          loopbackOnly: host !== undefined && isLoopback(host),
        });
    }
  }
}

function layoutOf(service: string): Layout | undefined {
  if (service === "httpd")
    return { root: "/etc/httpd", main: "/etc/httpd/conf/httpd.conf", builtIn: RHEL_BUILT_IN };
  const m = /^apache2(?:@(.+))?$/.exec(service);
  if (!m) return undefined;
  // apache2@NAME.service (Debian's multiple instances) reads /etc/apache2-NAME.
  const root = m[1] ? `/etc/apache2-${m[1]}` : "/etc/apache2";
  return { root, main: `${root}/apache2.conf`, builtIn: DEBIAN_BUILT_IN };
}

export const apacheReader: PortReader = {
  name: "apache",
  paths: ["/etc/apache2/*", "/etc/apache2/*/*", "/etc/httpd/conf/httpd.conf", "/etc/httpd/*/*"],
  instanceOf: (service) => (layoutOf(service) ? service : undefined),
  async read(ctx: InspectContext, service: string): Promise<PortReading[]> {
    const layout = layoutOf(service);
    if (!layout) return [];
    const config = new ApacheConfig(ctx, layout);
    await config.read(layout.main, 0);
    return config.ports;
  },
};
