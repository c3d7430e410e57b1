/**
 * Credential stores and shell histories inside archives: a backup tarball of /home holds
 * `home/admin/.netrc` and `home/admin/.bash_history`, one of a home holds `./.pgpass`, one of /etc
 * holds `etc/postfix/sasl_passwd`. Such a member is read by its store's format, as the file would
 * be in the image (credential-store-table.ts), and reported at its member path; nothing in an
 * archive is removed by `fix`.
 */
import {
  HTPASSWD_NAME,
  HTPASSWD_SPEC,
  NAMED_STORE_SPECS,
  STORE_SPECS,
  type StoreSpec,
} from "./credential-store-table.js";
import { type CredentialStore, globSource, storeOf } from "./credential-stores.js";
import { HISTORY_FILES, type HistoryFile } from "./history.js";

/** A member that is a store: its format, and the folder it lies in as a home (`home/admin`), if any. */
export interface ArchivedStoreMatch {
  spec: StoreSpec;
  home: string | undefined;
}

interface Matcher {
  re: RegExp;
  spec: StoreSpec;
  /** The first group is the home the pattern is relative to. */
  inHome: boolean;
}

let matchers: Matcher[] | undefined;

/**
 * Each store's places, as suffixes of a member's path: relative to any folder taken for a home
 * (`.docker/config.json`, `home/x/.docker/config.json`), and system-wide paths under any prefix
 * (`etc/postfix/sasl_passwd`, `backup/etc/postfix/sasl_passwd`).
 */
function storeMatchers(): Matcher[] {
  matchers ??= STORE_SPECS.flatMap((spec) => [
    ...(spec.home ?? []).map((rel) => ({
      re: new RegExp(`^(?:(.*)/)?${globSource(rel.replace(/^\/+/, ""))}$`),
      spec,
      inHome: true,
    })),
    ...(spec.system ?? []).map((p) => ({
      re: new RegExp(`^(?:.*/)?${globSource(p.replace(/^\/+/, ""))}$`),
      spec,
      inHome: false,
    })),
  ]);
  return matchers;
}

/** The store a member is, by its path inside the archive (no leading `/`); undefined for most. */
export function archivedStoreMatch(member: string): ArchivedStoreMatch | undefined {
  const name = member.slice(member.lastIndexOf("/") + 1);
  for (const m of storeMatchers()) {
    const found = m.re.exec(member);
    if (found) return { spec: m.spec, home: m.inHome ? `/${found[1] ?? ""}` : undefined };
  }
  for (const spec of NAMED_STORE_SPECS) if (spec.names!.test(name)) return { spec, home: undefined };
  if (HTPASSWD_NAME.test(name)) return { spec: HTPASSWD_SPEC, home: undefined };
  return undefined;
}

/** The store at member path `path` with these bytes, when a secret in it is real. Throws what its parser throws. */
export function archivedStore(
  path: string,
  match: ArchivedStoreMatch,
  bytes: Buffer,
): Promise<CredentialStore | undefined> {
  // Other files the format names (an OCI key file, Jenkins' master.key) are not looked for in the archive.
  return storeOf(path, match.spec, bytes, { home: match.home, users: [], fileExists: async () => false });
}

const HISTORY_SUFFIXES = HISTORY_FILES.map(([name, kind]) => ({
  re: new RegExp(`(?:^|/)${globSource(name)}$`),
  kind,
}));

/** What writes the history a member is, by its path inside the archive; undefined for most. */
export function archivedHistoryKind(member: string): string | undefined {
  return HISTORY_SUFFIXES.find((h) => h.re.test(member))?.kind;
}

/** The history at member path `path` with these bytes; undefined when empty. */
export function archivedHistory(path: string, kind: string, bytes: Buffer): HistoryFile | undefined {
  if (bytes.length === 0) return undefined;
  let lines = 0;
  for (let i = bytes.indexOf(0x0a); i !== -1; i = bytes.indexOf(0x0a, i + 1)) lines++;
  if (bytes[bytes.length - 1] !== 0x0a) lines++;
  return { path, kind, users: [], size: bytes.length, lines };
}
