import { normalizeImagePath } from "../fs/path.js";
import { FsError } from "../io/errors.js";
import type { InspectContext, Inspector } from "./context.js";
import type { SecretHit } from "./credential-formats.js";
import { HTPASSWD_NAME, HTPASSWD_SPEC, STORE_SPECS, type StoreSpec } from "./credential-store-table.js";
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
const PASSWORD_FILE_DIRECTIVE =
  /^\s*(?:auth_basic_user_file|AuthUserFile|AuthDigestFile|AuthDBMUserFile)\s+"?([^";\s]+)"?/gim;

function isMissing(e: unknown): boolean {
  return e instanceof FsError && (e.code === "ENOENT" || e.code === "ENOTDIR" || e.code === "ELOOP");
}

/** Image paths a pattern names under `base`, a `*` component standing for every entry there. */
async function expand(ctx: InspectContext, base: string, pattern: string): Promise<string[]> {
  let paths = [base];
  for (const part of pattern.split("/").filter((p) => p !== "")) {
    const next: string[] = [];
    for (const dir of paths) {
      if (part !== "*") next.push(dir === "/" ? `/${part}` : `${dir}/${part}`);
      else
        for (const e of (await readOptionalDir(ctx, dir)).slice(0, MAX_GLOB_ENTRIES))
          next.push(dir === "/" ? `/${e.name}` : `${dir}/${e.name}`);
    }
    paths = next;
  }
  return paths;
}

function evidenceOf(hit: SecretHit, count: number): string {
  // Short values (passwords) show no character at all; long tokens keep the prefix that names their kind.
  const shown = hit.evidence ?? `${hit.field} ${maskSecretValue(hit.value, hit.value.length >= 20 ? 4 : 0)}`;
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
  let hits: SecretHit[];
  try {
    hits = await spec.parse({
      text: bytes.toString(spec.binary ? "latin1" : "utf8"),
      raw: bytes,
      bytes: bytes.length,
      home,
      yaml,
      fileExists: async (p) => (await ctx.image.statIfExists(p).catch(() => undefined))?.type === "file",
    });
  } catch (e) {
    ctx.unknown(canonical, e);
    return undefined;
  }
  const real = hits.filter((h) => h.evidence !== undefined || !isPlaceholderSecret(h.value));
  if (real.length === 0) return undefined;
  const first = real[0]!;
  return {
    path: canonical,
    ...(first.line !== undefined ? { line: first.line } : {}),
    tool: spec.tool,
    kind: spec.kind,
    evidence: evidenceOf(first, real.length),
    secrets: real.length,
    users,
    removable: spec.removable,
    ...(spec.severity ? { severity: spec.severity } : {}),
  };
}

/** Password files of web servers: by name anywhere, and every file their configuration names. */
async function passwordFiles(ctx: InspectContext): Promise<string[]> {
  const files = await ctx.get("files");
  const out = new Set<string>();
  const configs: string[] = [];
  for (const e of files.entries) {
    if (e.type !== "file") continue;
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

export const credentialStoresInspector: Inspector<"credentialStores"> = {
  name: "credentialStores",
  description:
    "credential stores of cloud CLIs, container and cluster tools, VCS, package managers, database, mail and FTP clients, and web servers' password files, in every home and system-wide",
  paths: [
    "/etc/passwd",
    ...STORE_SPECS.flatMap((s) => [...(s.home ?? []).map((p) => `/**/${p}`), ...(s.system ?? [])]),
    "/**/.htpasswd",
    "/**/*.htpasswd",
    "/**/.htdigest",
    ...WEB_SERVER_DIRS.map((d) => `${d}/**`),
  ],
  async inspect(ctx) {
    const found = new Map<string, CredentialStore>();
    const add = (store: CredentialStore | undefined) => {
      if (store && !found.has(store.path)) found.set(store.path, store);
    };
    const homes = await accountHomes(ctx);
    for (const [home, users] of groupByHome([...homes, ...(await leftBehindHomes(ctx, homes))])) {
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
    const stores = [...found.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return { stores };
  },
};
