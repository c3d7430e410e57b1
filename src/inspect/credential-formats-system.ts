/**
 * Readers of system services' credential formats: Jenkins' XML with hudson.util.Secret values,
 * Postfix's SASL password maps (the source table, its compiled form, `static:` in main.cf), and
 * LDAP clients' bind passwords (nslcd, nss_ldap/pam_ldap and their .secret files, sssd). Like the
 * readers in credential-formats.ts, each says which values are secrets; placeholders are the
 * caller's call.
 */
import { parseKeyValues, type SecretHit } from "./credential-formats.js";

function lines(text: string): Array<[string, number]> {
  return text.split("\n").map((l, i) => [l.endsWith("\r") ? l.slice(0, -1) : l, i + 1]);
}

function countLines(text: string, upTo: number): number {
  let n = 1;
  for (let i = text.indexOf("\n"); i !== -1 && i < upTo; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

/**
 * A hudson.util.Secret as Jenkins writes it since 2.x: `{` base64 `}` of version byte 1, the IV's
 * length (4 bytes, big-endian; 16 for AES-CBC), the ciphertext's length, the IV, the ciphertext.
 */
const JENKINS_SECRET = /^\{(AQAAAB[A-Za-z0-9+/]{10,}={0,2})\}$/;

/** Whether a value is Jenkins' encrypted form (and so no placeholder, though it is in braces). */
export function isJenkinsSecret(value: string): boolean {
  return JENKINS_SECRET.test(value);
}

/**
 * A Jenkins XML file (credentials.xml, config.xml, a plugin's or a job's configuration): every
 * element whose text is an encrypted Secret — `<password>`, `<privateKey>`, `<secret>`,
 * `<apiToken>`, `<smtpAuthPassword>`, whatever a plugin names it. The instance's secrets/master.key
 * and secrets/hudson.util.Secret decrypt them, so they are credentials like plaintext ones;
 * `reversible` says whether that key is in the image too. XML comments are skipped.
 */
export function parseJenkinsXml(text: string, keyBeside: boolean): SecretHit[] {
  const visible = text.replace(/<!--[\s\S]*?(?:-->|$)/g, (c) => c.replace(/[^\n]/g, " "));
  const how = keyBeside
    ? "decryptable with the master.key in the image"
    : "encrypted, reversible with master.key";
  const hits: SecretHit[] = [];
  for (const m of visible.matchAll(/<([\w.-]+)>\s*(\{[A-Za-z0-9+/=]+\})\s*<\/\1>/g))
    if (isJenkinsSecret(m[2]!))
      // The value without its braces: braces alone would read as a placeholder's slot (`{password}`).
      hits.push({
        field: `${m[1]} (${how})`,
        value: m[2]!.slice(1, -1),
        line: countLines(visible, m.index),
        password: true,
      });
  return hits;
}

/** Jenkins' own user database (users/NAME/config.xml): `<passwordHash>#jbcrypt:$2a$…</passwordHash>`. */
export function parseJenkinsPasswordHashes(text: string): SecretHit[] {
  const visible = text.replace(/<!--[\s\S]*?(?:-->|$)/g, (c) => c.replace(/[^\n]/g, " "));
  const hits: SecretHit[] = [];
  for (const m of visible.matchAll(
    /<passwordHash>\s*#jbcrypt:(\$2[abxy]?\$\d\d\$[./A-Za-z0-9]{53})\s*<\/passwordHash>/g,
  ))
    hits.push({
      field: "passwordHash (bcrypt)",
      value: m[1]!,
      line: countLines(visible, m.index),
      password: true,
    });
  return hits;
}

/** secrets/initialAdminPassword: the setup wizard's admin password, 32 hex digits on one line. */
export function parseJenkinsInitialAdminPassword(text: string): SecretHit[] {
  const value = text.trim();
  return /^[0-9a-f]{32}$/.test(value)
    ? [{ field: "initialAdminPassword", value, line: 1, password: true }]
    : [];
}

/**
 * A Postfix lookup table's source (`postmap` input): `key value` lines, `#` comments, a line
 * starting with whitespace continuing the one before. In smtp_sasl_password_maps the key is the
 * relay (`[smtp.host]:587`) or the sender and the value `user:password`; the password is
 * everything after the first colon.
 */
export function parsePostfixSaslPasswd(text: string): SecretHit[] {
  const entries: Array<[string, number]> = [];
  for (const [line, n] of lines(text)) {
    if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
    if (/^\s/.test(line) && entries.length > 0) entries.at(-1)![0] += ` ${line.trim()}`;
    else entries.push([line.trim(), n]);
  }
  const hits: SecretHit[] = [];
  for (const [entry, n] of entries) {
    const m = /^(\S+)\s+([^:\s]*):(.*)$/.exec(entry);
    if (m && m[3]!.trim() !== "")
      hits.push({ field: `password of ${m[2]} for ${m[1]}`, value: m[3]!.trim(), line: n, password: true });
  }
  return hits;
}

/**
 * A compiled Postfix map (hash:/btree: Berkeley DB, lmdb:, cdb:): postmap stores each key and value
 * as a NUL-terminated string, so `user:password` values show among the binary's printable runs.
 * Relay keys (`[host]:port`, `host:port`) are not values.
 */
export function parseCompiledSaslMap(text: string): SecretHit[] {
  const hits: SecretHit[] = [];
  for (const m of text.matchAll(/[\x21-\x7e]{3,}/g)) {
    const run = m[0];
    if (/[[\]]/.test(run) || /^[\w.-]+:\d+$/.test(run)) continue;
    const pair = /^([^:]+):(.+)$/.exec(run);
    if (pair) hits.push({ field: `password of ${pair[1]} (compiled map)`, value: pair[2]!, password: true });
  }
  return hits;
}

/** Postfix parameters whose value names the SASL password maps. */
const SASL_MAP_PARAMETERS = /^(?:smtp|lmtp)_sasl_password_maps$/;
/** Map types whose name is a file postmap compiles, and the file each compiles it to. */
const COMPILED_SUFFIX: Record<string, string | undefined> = {
  hash: ".db",
  btree: ".db",
  lmdb: ".lmdb",
  cdb: ".cdb",
  dbm: ".pag",
  sdbm: ".pag",
  texthash: undefined,
};

export interface PostfixSaslMaps {
  /** Source tables and compiled maps the parameters name, absolute. */
  files: string[];
  /** Passwords written into main.cf itself (`static:user:password`). */
  inline: SecretHit[];
}

/**
 * main.cf's `smtp_sasl_password_maps` (and lmtp's): the tables it names (`hash:/etc/postfix/
 * sasl_passwd`, `$config_directory` expanded) with their compiled forms, and `static:` maps that
 * carry `user:password` inline. Lines starting with whitespace continue a parameter; `#` starts a
 * comment line; a later assignment replaces an earlier one.
 */
export function parsePostfixMainCf(text: string, configDirectory: string): PostfixSaslMaps {
  const params = new Map<string, [string, number]>();
  let current: string | undefined;
  for (const [line, n] of lines(text)) {
    if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
    if (/^\s/.test(line)) {
      const p = current !== undefined ? params.get(current) : undefined;
      if (p) p[0] += ` ${line.trim()}`;
      continue;
    }
    const m = /^([\w.-]+)\s*=\s*(.*)$/.exec(line);
    current = m?.[1];
    if (m) params.set(m[1]!, [m[2]!.trim(), n]);
  }
  const out: PostfixSaslMaps = { files: [], inline: [] };
  for (const [name, [value, n]] of params) {
    if (!SASL_MAP_PARAMETERS.test(name)) continue;
    for (const map of value.match(/(?:[^\s,{}]|\{[^{}]*\})+/g) ?? []) {
      const typed = /^([a-z]+):(.*)$/.exec(map);
      if (!typed) continue;
      const [, type, arg] = typed as unknown as [string, string, string];
      if (type === "static") {
        const pair = /^\{?\s*([^:\s]*):(.*?)\s*\}?$/.exec(arg);
        if (pair && pair[2] !== "")
          out.inline.push({
            field: `${name} static password of ${pair[1]}`,
            value: pair[2]!,
            line: n,
            password: true,
          });
        continue;
      }
      if (!(type in COMPILED_SUFFIX)) continue;
      const file = arg.replace(/^\$\{?config_directory\}?/, configDirectory);
      if (!file.startsWith("/")) continue;
      out.files.push(file);
      const suffix = COMPILED_SUFFIX[type];
      if (suffix) out.files.push(`${file}${suffix}`);
    }
  }
  return out;
}

/**
 * nslcd.conf, and nss_ldap/pam_ldap's ldap.conf (/etc/ldap.conf, libnss-ldap.conf, pam_ldap.conf):
 * `bindpw` (and nslcd's `rootpwmodpw`) followed by the password, the rest of the line. Keywords are
 * case-insensitive; `#` starts a comment line.
 */
export function parseLdapClientConf(text: string): SecretHit[] {
  const hits: SecretHit[] = [];
  for (const [line, n] of lines(text)) {
    const m = /^\s*(bindpw|rootpwmodpw)\s+(.*?)\s*$/i.exec(line);
    if (m && m[2] !== "") hits.push({ field: m[1]!.toLowerCase(), value: m[2]!, line: n, password: true });
  }
  return hits;
}

/** /etc/ldap.secret and its kin: the password of `rootbinddn`, the file's whole first line. */
export function parseLdapSecretFile(text: string): SecretHit[] {
  const value = text.split("\n")[0]!.replace(/\r$/, "");
  return value.trim() === "" ? [] : [{ field: "rootbinddn password", value, line: 1, password: true }];
}

/**
 * sssd.conf (and conf.d drop-ins): a domain's `ldap_default_authtok`, plain or — with
 * `ldap_default_authtok_type = obfuscated_password` — obfuscated by sss_obfuscate with a key kept
 * beside it in the value, so reversible.
 */
export function parseSssdConf(text: string): SecretHit[] {
  const format = { separators: /\s*=\s*/, comments: ["#", ";"] };
  const obfuscated = parseKeyValues(text, {
    ...format,
    isSecretKey: (k) => k.toLowerCase() === "ldap_default_authtok_type",
  }).some((h) => h.value.toLowerCase() === "obfuscated_password");
  return parseKeyValues(text, {
    ...format,
    isSecretKey: (k) => k.toLowerCase() === "ldap_default_authtok",
  }).map((h) => ({
    ...h,
    field: obfuscated ? `${h.field} (obfuscated, reversible)` : h.field,
    password: true,
  }));
}
