/**
 * Readers of the JSON and YAML credential stores: docker/podman auth files, composer, terraform,
 * AWS SSO and CLI caches, gcloud, Azure CLI, kubeconfig, helm and gh. Each reads only the fields
 * its tool documents as holding a secret, so a file with only settings (a docker config using a
 * credential helper, a kubeconfig with exec-based auth) yields nothing.
 */
import type * as Yaml from "yaml";
import { lineOf, type SecretHit } from "./credential-formats.js";

type Json = unknown;

function isRecord(v: Json): v is Record<string, Json> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function entries(v: Json): Array<[string, Json]> {
  if (isRecord(v)) return Object.entries(v);
  if (Array.isArray(v)) return v.map((x, i) => [String(i), x]);
  return [];
}

/** Nesting bound for walks: real stores are a few levels deep; parsed input can be deeper. */
const MAX_DEPTH = 32;

/** Every string under a key of `fields`, at any depth, as a hit whose line is found in the text. */
function stringsUnder(text: string, doc: Json, fields: ReadonlySet<string>, depth = 0): SecretHit[] {
  if (depth > MAX_DEPTH) return [];
  const out: SecretHit[] = [];
  for (const [key, value] of entries(doc)) {
    if (fields.has(key) && typeof value === "string")
      out.push({ field: key, value, line: lineOf(text, value) });
    else out.push(...stringsUnder(text, value, fields, depth + 1));
  }
  return out;
}

function parseJson(text: string): Json {
  return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) as Json;
}

/**
 * Docker's config.json, podman's auth.json and kubelet's config.json: `auths.<registry>.auth` is
 * base64 of `user:password`; `identitytoken`/`registrytoken` are tokens. `credsStore` and
 * `credHelpers` keep secrets outside the file (no hit).
 */
export function parseDockerAuths(text: string): SecretHit[] {
  const doc = parseJson(text);
  const auths = isRecord(doc) ? doc.auths : undefined;
  const hits: SecretHit[] = [];
  for (const [registry, entry] of entries(auths)) {
    if (!isRecord(entry)) continue;
    if (typeof entry.auth === "string" && entry.auth !== "") {
      const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      const value = colon > 0 ? decoded.slice(colon + 1) : entry.auth;
      hits.push({ field: `auth for ${registry}`, value, line: lineOf(text, entry.auth) });
    }
    for (const field of ["identitytoken", "registrytoken", "password"] as const) {
      const v = entry[field];
      if (typeof v === "string")
        hits.push({ field: `${field} for ${registry}`, value: v, line: lineOf(text, v) });
    }
  }
  return hits;
}

/** Composer's auth.json: http-basic passwords and the token maps (github-oauth, gitlab-token, bearer…). */
export function parseComposerAuth(text: string): SecretHit[] {
  const doc = parseJson(text);
  const hits: SecretHit[] = [];
  for (const [section, hosts] of entries(doc)) {
    for (const [host, v] of entries(hosts)) {
      if (typeof v === "string")
        hits.push({ field: `${section} for ${host}`, value: v, line: lineOf(text, v) });
      else
        hits.push(
          ...stringsUnder(text, v, new Set(["password", "token", "consumer-secret"])).map((h) => ({
            ...h,
            field: `${section} ${h.field} for ${host}`,
          })),
        );
    }
  }
  return hits;
}

const field = (...names: string[]) => new Set(names);

/** terraform login's credentials.tfrc.json: credentials.<host>.token. */
export const parseTerraformCredentials = (text: string) =>
  stringsUnder(text, parseJson(text), field("token"));

/** AWS SSO cache (accessToken, refreshToken, clientSecret) and CLI cache (Credentials.SecretAccessKey…). */
export const parseAwsCache = (text: string) =>
  stringsUnder(
    text,
    parseJson(text),
    field("accessToken", "refreshToken", "clientSecret", "SecretAccessKey", "SessionToken"),
  );

/**
 * Google's credential JSON (application_default_credentials.json, legacy adc.json, a service
 * account key): a user's refresh_token or a service account's private_key. The client_secret of
 * an authorized_user file is gcloud's own published OAuth client, not the user's secret.
 */
export const parseGoogleCredentials = (text: string) =>
  stringsUnder(text, parseJson(text), field("refresh_token", "private_key", "access_token"));

/** Rows read from each table of a credential database: gcloud keeps one per account. */
const MAX_DATABASE_ROWS = 10_000;

/**
 * gcloud's SQLite stores, opened from their bytes (read-only, in memory): credentials.db keeps
 * each account's credential JSON (a refresh_token or a service account's private_key),
 * access_tokens.db each account's access_token. An empty database (the schema only) holds none.
 * Only tables are read, never views, and each at most MAX_DATABASE_ROWS rows.
 */
export async function parseGcloudDatabase(raw: Buffer): Promise<SecretHit[]> {
  if (raw.length === 0) return [];
  const { default: Database } = await import("better-sqlite3");
  const db = new Database(raw, { readonly: true });
  const hits: SecretHit[] = [];
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{
      name: string;
    }>;
    for (const { name } of tables) {
      const rows = db
        .prepare(`SELECT * FROM "${name.replace(/"/g, '""')}" LIMIT ${MAX_DATABASE_ROWS}`)
        .all() as Array<Record<string, unknown>>;
      for (const row of rows)
        for (const [column, cell] of Object.entries(row)) {
          const value = Buffer.isBuffer(cell) ? cell.toString("utf8") : cell;
          if (typeof value !== "string" || value === "") continue;
          if (column === "access_token") hits.push({ field: "access_token", value });
          else if (value.trimStart().startsWith("{")) {
            let doc: Json;
            try {
              doc = JSON.parse(value) as Json;
            } catch {
              continue;
            }
            hits.push(
              ...stringsUnder(value, doc, field("refresh_token", "private_key", "access_token")).map(
                ({ line: _line, ...h }) => h,
              ),
            );
          }
        }
    }
  } finally {
    db.close();
  }
  return hits;
}

/**
 * Azure CLI: accessTokens.json (ADAL: accessToken, refreshToken, _clientSecret), msal_token_cache.json
 * (AccessToken/RefreshToken entries' `secret`) and service_principal_entries.json (client_secret).
 */
export function parseAzureTokens(text: string): SecretHit[] {
  const doc = parseJson(text);
  const hits = stringsUnder(
    text,
    doc,
    field("accessToken", "refreshToken", "_clientSecret", "client_secret", "clientSecret"),
  );
  if (isRecord(doc))
    for (const section of ["AccessToken", "RefreshToken"])
      hits.push(
        ...stringsUnder(text, doc[section], field("secret")).map((h) => ({
          ...h,
          field: `${section} secret`,
        })),
      );
  return hits;
}

/** Parses YAML to plain data (anchors bounded by the library's alias limit). */
async function yamlData(text: string, yaml: () => Promise<typeof Yaml>): Promise<Json> {
  const { parse } = await yaml();
  return parse(text, { maxAliasCount: 100, uniqueKeys: false }) as Json;
}

/**
 * kubeconfig: users[].user client-key-data, token, password, and auth-provider config tokens.
 * client-key and tokenFile name files; exec runs a command: neither holds a secret here.
 */
export async function parseKubeconfig(text: string, yaml: () => Promise<typeof Yaml>): Promise<SecretHit[]> {
  const doc = await yamlData(text, yaml);
  const hits: SecretHit[] = [];
  const users = isRecord(doc) ? doc.users : undefined;
  for (const [, u] of entries(users)) {
    const user = isRecord(u) ? u.user : undefined;
    if (!isRecord(user)) continue;
    hits.push(...stringsUnder(text, user, field("client-key-data", "token", "password")));
    const provider = isRecord(user["auth-provider"]) ? user["auth-provider"].config : undefined;
    hits.push(
      ...stringsUnder(text, provider, field("access-token", "refresh-token", "client-secret", "id-token")),
    );
  }
  return dedupe(hits);
}

/** Helm's repositories.yaml: repositories[].password. */
export async function parseHelmRepositories(
  text: string,
  yaml: () => Promise<typeof Yaml>,
): Promise<SecretHit[]> {
  const doc = await yamlData(text, yaml);
  return stringsUnder(text, isRecord(doc) ? doc.repositories : undefined, field("password"));
}

/** gh's hosts.yml: oauth_token per host (and per user); tokens kept in the system keyring are absent. */
export async function parseGhHosts(text: string, yaml: () => Promise<typeof Yaml>): Promise<SecretHit[]> {
  return stringsUnder(text, await yamlData(text, yaml), field("oauth_token"));
}

/** One hit per field and value (a walk can meet the same token twice through a shared node). */
function dedupe(hits: SecretHit[]): SecretHit[] {
  const seen = new Set<string>();
  return hits.filter((h) => {
    const key = `${h.field}\0${h.value}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
