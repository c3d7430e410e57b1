/**
 * Readers of the line-oriented formats credential stores are written in: netrc, pgpass, git's
 * credential store, INI / option files / Java properties, maven's XML, htpasswd, msmtp, fetchmail,
 * mongo shell scripts, and single-value files. Each says which values in a file are secrets, with
 * their line; whether a value is a real secret or a placeholder is decided by the caller.
 */

/** One secret value in a store. The value stays in memory only: facts hold it masked. */
export interface SecretHit {
  /** What the value is, in the format's own words: "password", "_authToken", "client-key-data". */
  field: string;
  value: string;
  /** 1-based line, when the format has lines. */
  line?: number;
  /** Shown instead of the masked value when the value is not text (an encrypted cache). */
  evidence?: string;
  /** A password or passphrase: no prefix of it is shown, however long (tokens keep the one naming their kind). */
  password?: boolean;
}

/** Lines without terminators (CRLF tolerated), with their 1-based numbers. */
function lines(text: string): Array<[string, number]> {
  return text.split("\n").map((l, i) => [l.endsWith("\r") ? l.slice(0, -1) : l, i + 1]);
}

/** 1-based line of the first occurrence of `needle` in `text` (1 when absent). */
export function lineOf(text: string, needle: string): number {
  const at = needle === "" ? -1 : text.indexOf(needle);
  return at < 0 ? 1 : countLines(text, at);
}

function unquote(v: string): string {
  const t = v.trim();
  if (t.length >= 2 && (t[0] === '"' || t[0] === "'") && t.endsWith(t[0])) return t.slice(1, -1);
  return t;
}

/**
 * netrc(5): whitespace-separated tokens `machine`/`default`, `login`, `password`, `account`, and
 * `macdef name` whose body runs to the next empty line.
 */
export function parseNetrc(text: string): SecretHit[] {
  const hits: SecretHit[] = [];
  let inMacro = false;
  const tokens: Array<[string, number]> = [];
  for (const [line, n] of lines(text)) {
    if (inMacro) {
      if (line.trim() === "") inMacro = false;
      continue;
    }
    for (const t of line.split(/\s+/).filter((x) => x !== "")) {
      if (t.startsWith("#") && tokens.length % 2 === 0) break;
      tokens.push([t, n]);
      if (t === "macdef") inMacro = true;
    }
  }
  for (let i = 0; i + 1 < tokens.length; i++) {
    const [key] = tokens[i]!;
    if (key === "password" || key === "account") {
      const [value, n] = tokens[i + 1]!;
      hits.push({ field: key, value: unquote(value), line: n });
      i++;
    }
  }
  return hits;
}

/** PostgreSQL's password file: `host:port:database:user:password`, `\:` and `\\` escaped. */
export function parsePgpass(text: string): SecretHit[] {
  const hits: SecretHit[] = [];
  for (const [line, n] of lines(text)) {
    if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
    const fields: string[] = [];
    let current = "";
    for (let i = 0; i < line.length; i++) {
      const c = line[i]!;
      if (c === "\\" && i + 1 < line.length) current += line[++i];
      else if (c === ":" && fields.length < 4) {
        fields.push(current);
        current = "";
      } else current += c;
    }
    fields.push(current);
    if (fields.length === 5)
      hits.push({ field: `password of ${fields[3]}@${fields[0]}`, value: fields[4]!, line: n });
  }
  return hits;
}

/** `scheme://user:password@host` anywhere in a line; the password percent-decoded. */
const URL_CREDENTIALS = /\b[a-z][a-z0-9+.-]*:\/\/([^\s/:@'"]*):([^\s/@'"]+)@[^\s/'"]/gi;

function decodePercent(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

/** Passwords inside URLs (git's credential store, pip index URLs, connection strings). */
export function parseUrlCredentials(text: string, commentPrefixes: readonly string[] = ["#"]): SecretHit[] {
  const hits: SecretHit[] = [];
  for (const [line, n] of lines(text)) {
    const trimmed = line.trimStart();
    if (commentPrefixes.some((p) => trimmed.startsWith(p))) continue;
    for (const m of line.matchAll(URL_CREDENTIALS))
      hits.push({ field: "password in URL", value: decodePercent(m[2]!), line: n });
  }
  return hits;
}

/** A key-value format: which keys hold secrets, and which lines are comments. */
export interface KeyValueFormat {
  isSecretKey: (key: string) => boolean;
  /** Separators between key and value; INI files use "=" (and ":" in some). */
  separators: RegExp;
  comments: readonly string[];
  /** Strip ` # comment` after an unquoted value (MySQL option files, INI). */
  inlineComments?: boolean;
}

/**
 * INI-like files (MySQL option files, .pypirc, .s3cfg, .boto, AWS and OCI config, cargo's TOML
 * credentials, .npmrc) and Java properties: `key = value` per line, `[section]` headers skipped.
 */
export function parseKeyValues(text: string, format: KeyValueFormat): SecretHit[] {
  const hits: SecretHit[] = [];
  for (const [line, n] of lines(text)) {
    const t = line.trim();
    if (t === "" || t.startsWith("[") || format.comments.some((c) => t.startsWith(c))) continue;
    const sep = format.separators.exec(t);
    if (!sep || sep.index === 0) continue;
    const key = t.slice(0, sep.index).trim();
    if (!format.isSecretKey(key)) continue;
    let value = t.slice(sep.index + sep[0].length).trim();
    if (value.startsWith('"') || value.startsWith("'")) {
      const end = value.indexOf(value[0]!, 1);
      value = end > 0 ? value.slice(1, end) : value.slice(1);
    } else if (format.inlineComments) value = value.replace(/\s+[#;].*$/, "");
    hits.push({ field: key, value, line: n });
  }
  return hits;
}

/** The settings of Maven's settings.xml that hold secrets, outside XML comments. */
export function parseMavenSettings(text: string): SecretHit[] {
  // Comments become blanks of the same shape, so line numbers stay true (the stock file shows
  // commented-out <password> examples).
  const visible = text.replace(/<!--[\s\S]*?(?:-->|$)/g, (c) => c.replace(/[^\n]/g, " "));
  const hits: SecretHit[] = [];
  for (const m of visible.matchAll(/<(password|passphrase)>\s*([^<]*?)\s*<\/\1>/g)) {
    const value = m[2]!.replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">");
    hits.push({ field: m[1]!, value, line: countLines(visible, m.index) });
  }
  return hits;
}

function countLines(text: string, upTo: number): number {
  let n = 1;
  for (let i = text.indexOf("\n"); i !== -1 && i < upTo; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

/**
 * htpasswd and htdigest: `user:hash` (or `user:realm:hash`), one per line; nginx also takes
 * `{PLAIN}password`. Every non-empty hash is a password someone set for every instance.
 */
export function parseHtpasswd(text: string): SecretHit[] {
  const hits: SecretHit[] = [];
  for (const [line, n] of lines(text)) {
    const t = line.trim();
    if (t === "" || t.startsWith("#")) continue;
    const parts = t.split(":");
    if (parts.length < 2 || parts[0] === "") continue;
    const hash =
      parts.length >= 3 && /^[0-9a-f]{32}$/i.test(parts[2]!) ? parts[2]! : parts.slice(1).join(":");
    if (hash === "" || hash === "*" || hash.startsWith("!")) continue;
    hits.push({ field: `password hash of ${parts[0]}`, value: hash.replace(/^\{PLAIN\}/, ""), line: n });
  }
  return hits;
}

/** msmtp: `password value` (passwordeval runs a command: no secret in the file). */
export function parseMsmtp(text: string): SecretHit[] {
  const hits: SecretHit[] = [];
  for (const [line, n] of lines(text)) {
    const m = /^\s*password\s+(.+?)\s*$/.exec(line);
    if (m) hits.push({ field: "password", value: unquote(m[1]!), line: n });
  }
  return hits;
}

/** fetchmailrc: free-form; `password`/`pass`/`passwd` followed by a word or quoted string. */
export function parseFetchmail(text: string): SecretHit[] {
  const hits: SecretHit[] = [];
  for (const [line, n] of lines(text)) {
    const code = line.replace(/(^|\s)#.*$/, "");
    for (const m of code.matchAll(/(?:^|\s)(?:password|passwd|pass)\s+(?:"([^"]*)"|'([^']*)'|(\S+))/g))
      hits.push({ field: "password", value: m[1] ?? m[2] ?? m[3] ?? "", line: n });
  }
  return hits;
}

/** mongo/mongosh start-up scripts: `db.auth("user", "pw")`, `pwd: "pw"`, and mongodb:// URLs with a password. */
export function parseMongoScript(text: string): SecretHit[] {
  const hits: SecretHit[] = [];
  for (const [line, n] of lines(text)) {
    if (line.trimStart().startsWith("//")) continue;
    for (const m of line.matchAll(/\bauth\(\s*(["'])[^"']*\1\s*,\s*(["'])([^"']*)\2/g))
      hits.push({ field: "db.auth password", value: m[3]!, line: n });
    for (const m of line.matchAll(/\b(?:pwd|password)\s*:\s*(["'])([^"']*)\1/g))
      hits.push({ field: "pwd", value: m[2]!, line: n });
  }
  return [...hits, ...parseUrlCredentials(text, ["//"])];
}

/** A file whose whole content is the secret (.vault-token, .rediscli_auth). */
export function parseWholeFile(field: string): (text: string) => SecretHit[] {
  return (text) => {
    const value = text.trim().split("\n")[0]?.trim() ?? "";
    return value === "" ? [] : [{ field, value, line: 1 }];
  };
}

/** A file that holds secrets in a binary or encrypted form: any content is a store. */
export function parseOpaque(field: string): (text: string, bytes: number) => SecretHit[] {
  return (text, bytes) =>
    bytes === 0 || text.trim() === "" ? [] : [{ field, value: text, evidence: `${field}, ${bytes} bytes` }];
}
