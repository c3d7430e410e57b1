/**
 * What the daemons' port readers share: reading configuration files that include others (by glob,
 * bounded, each file once), the port and address forms they write, and what a reading is.
 */
import { baseName, joinImagePath, normalizeImagePath, parentOf } from "../../fs/path.js";
import type { InspectContext } from "../context.js";
import { readOptionalDir, readOptionalText } from "../text-files.js";

/** A port a daemon's configuration says it listens on. */
export interface PortReading {
  port: number;
  protocol: "tcp" | "udp";
  /** Where it was read: "/etc/nginx/sites-enabled/default:22 listen", or the daemon's default. */
  source: string;
  /** Bound to loopback addresses only (127.0.0.0/8, ::1, localhost): not reachable from outside. */
  loopbackOnly: boolean;
}

/** A configuration file that cannot be followed as its daemon would. */
export class ConfigFormatError extends Error {
  override readonly name = "ConfigFormatError";
  constructor(
    readonly path: string,
    readonly why: string,
  ) {
    super(`${path}: ${why}`);
  }
}

/** A daemon whose enabled boot service tells where its configuration is. */
export interface PortReader {
  /** "nginx", as sources and tests name it. */
  name: string;
  /** The configuration paths it may read (globs), for the inspector's declared paths. */
  paths: readonly string[];
  /**
   * For a boot service name without ".service" ("nginx", "postgresql@15-main", "redis-server"):
   * the instance it names ("" for none) when the service is this daemon, else undefined.
   */
  instanceOf(service: string): string | undefined;
  read(ctx: InspectContext, instance: string): Promise<PortReading[]>;
}

/** A configuration that includes more files than this, or nests deeper, is hostile or broken. */
export const MAX_CONFIG_FILES = 512;
export const MAX_INCLUDE_DEPTH = 16;

/** The configuration files one daemon's reading has opened: each at most once, and a bounded number. */
export class ConfigFiles {
  readonly #opened = new Set<string>();
  #refused = false;

  constructor(private readonly ctx: InspectContext) {}

  /** The file's text; undefined when absent, already read (an include loop), or past the bound. */
  async read(path: string): Promise<string | undefined> {
    const p = normalizeImagePath(path);
    if (this.#opened.has(p)) return undefined;
    if (this.#opened.size >= MAX_CONFIG_FILES) {
      if (!this.#refused) this.unknown(p, `more than ${MAX_CONFIG_FILES} included files`);
      this.#refused = true;
      return undefined;
    }
    this.#opened.add(p);
    return readOptionalText(this.ctx, p);
  }

  /** Records what could not be followed in a file (the scan's unknowns). */
  unknown(path: string, why: string): void {
    this.ctx.unknown(path, new ConfigFormatError(path, why));
  }

  /**
   * The files a pattern names, in byte order as glob(3) sorts them in the C locale: a path, or a
   * glob (`*`, `?`, `[…]`) in its last component (a `*` does not match a leading dot). undefined
   * when a directory component has a wildcard: not followed, so nothing is guessed from it.
   */
  async glob(pattern: string): Promise<string[] | undefined> {
    const p = normalizeImagePath(pattern);
    const dir = parentOf(p);
    const name = baseName(p);
    if (/[*?[]/.test(dir)) return undefined;
    if (!/[*?[]/.test(name)) return [p];
    const match = globRegExp(name);
    return (await readOptionalDir(this.ctx, dir))
      .filter((e) => (e.type === "file" || e.type === "symlink") && match.test(e.name))
      .map((e) => e.name)
      .sort(byteOrder)
      .map((n) => joinImagePath(dir, n));
  }

  /** The path is a directory (following links); false when absent or unreadable. */
  async isDirectory(path: string): Promise<boolean> {
    try {
      return (await this.ctx.image.statIfExists(path))?.type === "directory";
    } catch (e) {
      this.ctx.unknown(path, e);
      return false;
    }
  }

  /** Regular files (and links) in a directory whose names pass `keep`, in byte order. */
  async filesIn(dir: string, keep: (name: string) => boolean): Promise<string[]> {
    const d = normalizeImagePath(dir);
    return (await readOptionalDir(this.ctx, d))
      .filter((e) => (e.type === "file" || e.type === "symlink") && keep(e.name))
      .map((e) => e.name)
      .sort(byteOrder)
      .map((n) => joinImagePath(d, n));
  }
}

export const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function globRegExp(name: string): RegExp {
  let out = name.startsWith("*") || name.startsWith("?") ? "(?!\\.)" : "";
  for (let i = 0; i < name.length; i++) {
    const c = name[i]!;
    if (c === "*") out += "[^/]*";
    else if (c === "?") out += "[^/]";
    else if (c === "[") {
      const end = name.indexOf("]", i + 2);
      if (end < 0) out += "\\[";
      else {
        const body = name.slice(i + 1, end);
        const negated = body.startsWith("!") || body.startsWith("^");
        const chars = (negated ? body.slice(1) : body).replace(/[\\\]^]/g, "\\$&");
        out += `[${negated ? "^" : ""}${chars}]`;
        i = end;
      }
    } else out += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${out}$`);
}

/** A path as written in a configuration file: absolute, or relative to `base`. */
export const resolvePath = (base: string, path: string) =>
  normalizeImagePath(path.startsWith("/") ? path : joinImagePath(base, path));

/** "8080" → 8080; anything that is not a port number (1–65535, digits only) → undefined. */
export function portNumber(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= 65535 ? n : undefined;
}

/** An address that only the machine itself reaches: 127.0.0.0/8, ::1, localhost. */
export function isLoopback(address: string): boolean {
  const a = address.replace(/^\[|\]$/g, "").toLowerCase();
  return (
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a) || a === "::1" || a === "0:0:0:0:0:0:0:1" || a === "localhost"
  );
}

/**
 * "[::1]:80" → ["[::1]", "80"]; "10.0.0.1:80" → ["10.0.0.1", "80"]; "80" → [undefined, "80"];
 * "example.org" → ["example.org", undefined] (a bare IPv6 address without brackets is an address).
 */
export function splitHostPort(text: string): [host: string | undefined, port: string | undefined] {
  if (/^\d+$/.test(text)) return [undefined, text];
  const bracketed = /^(\[[^\]]*\])(?::(\d+))?$/.exec(text);
  if (bracketed) return [bracketed[1], bracketed[2]];
  const colons = text.split(":").length - 1;
  if (colons === 1) {
    const i = text.indexOf(":");
    return [text.slice(0, i), text.slice(i + 1)];
  }
  return [text, undefined];
}
