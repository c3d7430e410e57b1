import { normalizeImagePath } from "../fs/path.js";
import { FsError } from "../io/errors.js";
import type { InspectContext, Inspector } from "./context.js";
import type { SecretHit } from "./credential-formats.js";
import { openvpnAuthFileRefs } from "./credential-formats-services.js";
import {
  OPENVPN_AUTH_FILE_SPEC,
  OPENVPN_DIRS,
  OPENVPN_LOOSE_AUTH_FILE_SPEC,
} from "./credential-store-services.js";
import { DISCOVERED_SYSTEM_PATHS, discoveredSystemStores } from "./credential-store-system.js";
import {
  HTPASSWD_NAME,
  HTPASSWD_SPEC,
  NAMED_STORE_SPECS,
  STORE_SPECS,
  type StoreSpec,
} from "./credential-store-table.js";
import type { EntryView } from "./files.js";
import { accountHomes, groupByHome, leftBehindHomes } from "./homes.js";
import { loadYaml } from "./load-yaml.js";
import { maskSecretValue } from "./mask.js";
import { isPlaceholderSecret } from "./secret-values.js";
import { MAX_CONFIG_BYTES, readOptionalDir } from "./text-files.js";

/** A file in which a tool saved a live credential. */
export interface CredentialStore {
  /** Image path, parents resolved (a store that is itself a symlink is named as the link). */
  path: string;
  /** Line of the first secret, when the format has lines. */
  line?: number;
  tool: string;
  kind: string;
  /** What the first secret is and its masked value ("password ******** (8 chars)"); never the secret. */
  evidence: string;
  /** Secrets in the file that are not placeholders. */
  secrets: number;
  /** Accounts whose home holds it; empty for a system-wide store. */
  users: string[];
  /** `fix` removes the file (the tool's saved login and nothing else): see credential-store-table.ts. */
  removable: boolean;
  severity?: "critical";
}

export interface CredentialStoreFacts {
  /** Sorted by path. */
  stores: CredentialStore[];
}

/** Entries a `*` component expands to: caches hold a few files, a directory of thousands is not a store. */
const MAX_GLOB_ENTRIES = 1_000;
/** Web server configuration files read for the password files they name. */
const MAX_SERVER_CONFIGS = 2_000;
const WEB_SERVER_DIRS = ["/etc/nginx", "/etc/apache2", "/etc/httpd", "/usr/local/etc/nginx"];
/** Stores found by file name, and OpenVPN configurations read for the auth files they name. */
const MAX_NAMED_FILES = 2_000;
/** An auth-user-pass file is two short lines; anything bigger in /etc/openvpn is something else. */
const MAX_LOOSE_AUTH_FILE_BYTES = 512;
const NOT_AN_AUTH_FILE = /\.(?:conf|ovpn|crt|pem|key|csr|p12|sh|example|sample)$/;
const PASSWORD_FILE_DIRECTIVE =
  /^\s*(?:auth_basic_user_file|AuthUserFile|AuthDigestFile|AuthDBMUserFile)\s+"?([^";\s]+)"?/gim;

function isMissing(e: unknown): boolean {
  return e instanceof FsError && (e.code === "ENOENT" || e.code === "ENOTDIR" || e.code === "ELOOP");
}

/** A store pattern as a RegExp source: `*` matches any run of characters within one name. */
export function globSource(pattern: string): string {
  return pattern
    .split("*")
    .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join("[^/]*");
}

/** A path component with `*` wildcards (`*`, `*.conf`) as a whole-name pattern. */
function componentGlob(part: string): RegExp {
  return new RegExp(`^${globSource(part)}$`);
}

/** Image paths a pattern names under `base`, a component with `*` standing for every entry there it matches. */
async function expand(ctx: InspectContext, base: string, pattern: string): Promise<string[]> {
  let paths = [base];
  for (const part of pattern.split("/").filter((p) => p !== "")) {
    const next: string[] = [];
    for (const dir of paths) {
      if (!part.includes("*")) next.push(dir === "/" ? `/${part}` : `${dir}/${part}`);
      else {
        const matches = componentGlob(part);
        for (const e of (await readOptionalDir(ctx, dir)).slice(0, MAX_GLOB_ENTRIES))
          if (matches.test(e.name)) next.push(dir === "/" ? `/${e.name}` : `${dir}/${e.name}`);
      }
    }
    paths = next;
  }
  return paths;
}

function evidenceOf(hit: SecretHit, count: number): string {
  // Short values (passwords) show no character at all; long tokens keep the prefix that names their kind.
  const keep = hit.password || hit.value.length < 20 ? 0 : 4;
  const shown = hit.evidence ?? `${hit.field} ${maskSecretValue(hit.value, keep)}`;
  return count > 1 ? `${shown}, and ${count - 1} more` : shown;
}

let yamlModule: ReturnType<typeof loadYaml> | undefined;
const yaml = () => {
  yamlModule ??= loadYaml();
  return yamlModule;
};

/** Reads one candidate file and, when it holds a real secret, describes it. */
async function readStore(
  ctx: InspectContext,
  path: string,
  spec: StoreSpec,
  home: string | undefined,
  users: string[],
): Promise<CredentialStore | undefined> {
  let canonical: string;
  let bytes: Buffer;
  try {
    canonical = await ctx.image.resolve(path, false);
    const st = await ctx.image.statIfExists(path);
    if (st?.type !== "file") return undefined;
    bytes = await ctx.image.readFile(path, MAX_CONFIG_BYTES);
  } catch (e) {
    if (!isMissing(e)) ctx.unknown(path, e);
    return undefined;
  }
  try {
    return await storeOf(canonical, spec, bytes, {
      home,
      users,
      fileExists: async (p) => (await ctx.image.statIfExists(p).catch(() => undefined))?.type === "file",
    });
  } catch (e) {
    ctx.unknown(canonical, e);
    return undefined;
  }
}

/**
 * What a store's bytes hold: the store when a secret in it is real (not a placeholder), else
 * undefined. Throws what the format's parser throws.
 */
export async function storeOf(
  path: string,
  spec: StoreSpec,
  bytes: Buffer,
  where: { home: string | undefined; users: string[]; fileExists: (path: string) => Promise<boolean> },
): Promise<CredentialStore | undefined> {
  const hits = await spec.parse({
    text: bytes.toString(spec.binary ? "latin1" : "utf8"),
    raw: bytes,
    bytes: bytes.length,
    home: where.home,
    yaml,
    fileExists: where.fileExists,
  });
  const real = hits.filter((h) => h.evidence !== undefined || !isPlaceholderSecret(h.value));
  if (real.length === 0) return undefined;
  const first = real[0]!;
  return {
    path,
    ...(first.line !== undefined ? { line: first.line } : {}),
    tool: spec.tool,
    kind: spec.kind,
    evidence: evidenceOf(first, real.length),
    secrets: real.length,
    users: where.users,
    removable: spec.removable,
    ...(spec.severity ? { severity: spec.severity } : {}),
  };
}

/** Password files of web servers: by name anywhere, and every file their configuration names. */
async function passwordFiles(ctx: InspectContext): Promise<string[]> {
  const files = await ctx.get("files");
  const out = new Set<string>();
  const configs: string[] = [];
  const inAServerDir = (dir: string) => WEB_SERVER_DIRS.some((d) => dir === d || dir.startsWith(`${d}/`));
  for (const e of files.select(
    (v) => v.type === "file" && (HTPASSWD_NAME.test(v.name) || inAServerDir(v.dir)),
  )) {
    const name = e.path.slice(e.path.lastIndexOf("/") + 1);
    if (HTPASSWD_NAME.test(name)) out.add(e.path);
    else if (WEB_SERVER_DIRS.some((d) => e.path.startsWith(`${d}/`)) && e.size <= 1024 * 1024)
      configs.push(e.path);
  }
  for (const config of configs.slice(0, MAX_SERVER_CONFIGS)) {
    let text: string;
    try {
      text = await ctx.image.readText(config, MAX_CONFIG_BYTES);
    } catch (e) {
      if (!isMissing(e)) ctx.unknown(config, e);
      continue;
    }
    const root = WEB_SERVER_DIRS.find((d) => config.startsWith(`${d}/`))!;
    for (const m of text.matchAll(PASSWORD_FILE_DIRECTIVE)) {
      const named = m[1]!;
      out.add(normalizeImagePath(named.startsWith("/") ? named : `${root}/${named}`));
    }
  }
  return [...out].sort();
}

const dirOf = (p: string) => p.slice(0, p.lastIndexOf("/")) || "/";

/**
 * Stores found by file name anywhere but documentation (redis.conf, *.ovpn), then the files
 * OpenVPN configurations name in `auth-user-pass FILE` (relative names resolve against the
 * configuration's directory, the working directory its systemd units give), then unnamed files in
 * /etc/openvpn shaped like one.
 */
async function namedStores(ctx: InspectContext): Promise<Array<[string, StoreSpec]>> {
  const files = await ctx.get("files");
  const named: Array<[string, StoreSpec]> = [];
  const vpnConfigs: string[] = [];
  const loose: string[] = [];
  // Only what the loop below could keep is materialised (a superset: the loop decides).
  const mayKeep = (v: EntryView) =>
    v.type === "file" &&
    (v.name.endsWith(".conf") ||
      v.name.endsWith(".ovpn") ||
      v.dir.startsWith("/etc/openvpn") ||
      NAMED_STORE_SPECS.some((spec) => spec.names!.test(v.name)));
  for (const e of files.select(mayKeep)) {
    if (e.type !== "file" || e.path.startsWith("/usr/share/doc/")) continue;
    const name = e.path.slice(e.path.lastIndexOf("/") + 1);
    for (const spec of NAMED_STORE_SPECS)
      if (spec.names!.test(name) && named.length < MAX_NAMED_FILES) named.push([e.path, spec]);
    const dir = dirOf(e.path);
    if (name.endsWith(".ovpn") || (OPENVPN_DIRS.includes(dir) && name.endsWith(".conf")))
      vpnConfigs.push(e.path);
    else if (
      e.path.startsWith("/etc/openvpn/") &&
      e.size <= MAX_LOOSE_AUTH_FILE_BYTES &&
      !NOT_AN_AUTH_FILE.test(name)
    )
      loose.push(e.path);
  }
  const referenced: Array<[string, StoreSpec]> = [];
  for (const config of vpnConfigs.slice(0, MAX_NAMED_FILES)) {
    let text: string;
    try {
      text = await ctx.image.readText(config, MAX_CONFIG_BYTES);
    } catch (e) {
      if (!isMissing(e)) ctx.unknown(config, e);
      continue;
    }
    for (const ref of openvpnAuthFileRefs(text))
      referenced.push([
        normalizeImagePath(ref.startsWith("/") ? ref : `${dirOf(config)}/${ref}`),
        OPENVPN_AUTH_FILE_SPEC,
      ]);
  }
  return [
    ...named,
    ...referenced,
    ...loose.map((p): [string, StoreSpec] => [p, OPENVPN_LOOSE_AUTH_FILE_SPEC]),
  ];
}

export const credentialStoresInspector: Inspector<"credentialStores"> = {
  name: "credentialStores",
  description:
    "credential stores of cloud CLIs, container and cluster tools, VCS, package managers, database, mail and FTP clients, web servers' password files, and services' configurations (redis, rclone, wpa_supplicant, OpenVPN, Jenkins, Postfix SASL maps, LDAP clients' bind passwords), in every home and system-wide",
  paths: [
    "/etc/passwd",
    ...STORE_SPECS.flatMap((s) => [...(s.home ?? []).map((p) => `/**/${p}`), ...(s.system ?? [])]),
    "/**/.htpasswd",
    "/**/*.htpasswd",
    "/**/.htdigest",
    ...WEB_SERVER_DIRS.map((d) => `${d}/**`),
    "/**/redis*.conf",
    "/**/sentinel*.conf",
    "/**/*.ovpn",
    "/etc/openvpn/**",
    ...DISCOVERED_SYSTEM_PATHS,
  ],
  async inspect(ctx) {
    const found = new Map<string, CredentialStore>();
    const add = (store: CredentialStore | undefined) => {
      if (store && !found.has(store.path)) found.set(store.path, store);
    };
    const homes = await accountHomes(ctx);
    const byHome = groupByHome([...homes, ...(await leftBehindHomes(ctx, homes))]);
    for (const [home, users] of byHome) {
      // One listing per home: most homes hold none of the tools' folders, so nothing more is read.
      const names = new Set((await readOptionalDir(ctx, home)).map((e) => e.name));
      if (names.size === 0) continue;
      for (const spec of STORE_SPECS)
        for (const rel of spec.home ?? []) {
          if (!names.has(rel.split("/")[0]!)) continue;
          for (const path of await expand(ctx, home, rel)) add(await readStore(ctx, path, spec, home, users));
        }
    }
    for (const spec of STORE_SPECS)
      for (const pattern of spec.system ?? [])
        for (const path of await expand(ctx, "/", pattern))
          add(await readStore(ctx, path, spec, undefined, []));
    for (const path of await passwordFiles(ctx))
      add(await readStore(ctx, path, HTPASSWD_SPEC, undefined, []));
    for (const [path, spec] of [...(await namedStores(ctx)), ...(await discoveredSystemStores(ctx))]) {
      // A store found by name may sit in a home (a profile in ~/vpn): say whose.
      const home = [...byHome.keys()].find((h) => h !== "/" && path.startsWith(`${h}/`));
      add(await readStore(ctx, path, spec, home, home ? byHome.get(home)! : []));
    }
    // Stores inside archives, which the content pass read by their formats as it opened them.
    for (const store of (await ctx.get("content")).archivedStores) add(store);
    const stores = [...found.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return { stores };
  },
};
