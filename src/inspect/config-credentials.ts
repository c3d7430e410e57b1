/**
 * Credentials written as literals in application configuration: a setting whose name says
 * password, secret, token or API key given a value in INI/conf, YAML, JSON, PHP, Java properties,
 * .env, XML, TOML or shell, and `user:password@` inside URLs of any scheme. What the secret
 * scanners' published rules taught (gitleaks' generic-api-key: a key word, an assignment operator,
 * a value; trufflehog's and detect-secrets' URL detectors: userinfo with a password before `@`),
 * written for a scanner that must not charge the templates and examples every image carries.
 */
import path from "node:path";
import { maskSecretValue } from "./mask.js";
import { isPlaceholderSecret } from "./secret-values.js";

/** What the setting holds: a password, or another secret (API key, token, client secret). */
export type CredentialKind = "password" | "secret";

/**
 * How sure the literal is a deployed credential: `config` in configuration files (a value there is
 * what the application uses), `source` in program code outside files named for configuration (a
 * literal there may be a default or a test value).
 */
export type CredentialCertainty = "config" | "source";

export interface ConfigCredentialMatch {
  path: string;
  line: number;
  kind: CredentialKind;
  /** The setting's name as written: DB_PASSWORD, spring.datasource.password, api_key. */
  setting: string;
  /** The value, masked: only its length shows. */
  masked: string;
  certainty: CredentialCertainty;
}

export interface UrlCredentialMatch {
  path: string;
  line: number;
  /** The URL with its password masked: postgres://app:********@db.internal. */
  url: string;
  certainty: CredentialCertainty;
}

/** How a file's settings are read, from its name. */
export interface CredentialScan {
  certainty: CredentialCertainty;
  /**
   * Only quoted values are literals (program code: an unquoted value is an expression, a constant
   * or a variable); in configuration formats a bare value is the literal itself.
   */
  quotedOnly: boolean;
}

/** Program code: a value must be a quoted string to be a literal. */
const CODE_FILE =
  /\.(?:php[0-9]?|phtml|inc|py|pyw|pyi|pyx|rb|js|mjs|cjs|jsx|ts|tsx|java|kt|kts|scala|groovy|go|cs|vb|pl|pm|lua|rs|swift|c|cc|cpp|h|hpp|ex|exs|erl|clj|dart|r)$/i;
/** Code files that are configuration by their name (settings.py, config.php, wp-config.php, app.config.js). */
const CONFIG_NAMED =
  /(?:settings|config|conf|configuration|secrets?|credentials|env|parameters|database)[^/]*$/i;
/** PHP applications keep their configuration in PHP (wp-config.php, config.inc.php, LocalSettings.php). */
const PHP_FILE = /\.(?:php[0-9]?|inc)$/i;
/** Templates and examples shipped for people to copy: .env.example, wp-config-sample.php, settings.php.dist. */
const EXAMPLE_NAME =
  /(?:^|[._-])(?:example|examples|sample|dist|template|tmpl|tpl|j2|jinja|jinja2|erb|mustache|hbs)(?:[._-]|$)/i;
/** Documents (Markdown, reStructuredText, AsciiDoc, manual pages): their settings are examples. */
const DOCUMENT = /\.(?:md|markdown|rst|adoc|asciidoc|[1-9])$/i;
/**
 * Folders of tests, documentation, examples and translations in an application's own tree (the
 * content pass already leaves out the system's documentation and the package trees' tests):
 * `password: Passwort` in a locale file is a word, not a setting.
 */
const NOT_SETTINGS_DIR =
  /\/(?:tests?|spec|specs|__tests__|testdata|test_data|fixtures|examples?|samples?|docs?|lang|langs|locales?|i18n|l10n|translations)\//i;

/** System files whose keys are database or section names (nsswitch's `passwd: files`). */
const NO_CREDENTIAL_SETTINGS = new Set(["/etc/nsswitch.conf"]);
/**
 * The package managers' own records (dpkg's status, templates and symbols, apt's package lists,
 * debconf's question templates): descriptions of packages, not anyone's settings. Maintainer
 * scripts are still read: the publisher's own packages may carry a password in a postinst.
 */
const PACKAGE_RECORDS =
  /^\/var\/lib\/dpkg\/(?!info\/[^/]+\.(?:preinst|postinst|prerm|postrm|config)$)|^\/var\/(?:lib\/apt|cache\/apt)\/|^\/var\/cache\/debconf\/templates\.dat/;

/** How to read a file's settings for credentials; undefined when its values are not settings. */
export function credentialScanOf(file: string): CredentialScan | undefined {
  if (NO_CREDENTIAL_SETTINGS.has(file) || PACKAGE_RECORDS.test(file)) return undefined;
  const base = path.posix.basename(file);
  if (EXAMPLE_NAME.test(base) || DOCUMENT.test(base) || NOT_SETTINGS_DIR.test(file)) return undefined;
  if (!CODE_FILE.test(base)) return { certainty: "config", quotedOnly: false };
  const configuration = PHP_FILE.test(base) || CONFIG_NAMED.test(base);
  return { certainty: configuration ? "config" : "source", quotedOnly: true };
}

/**
 * What a setting's name must contain (case-insensitively), searched for first: most text files
 * have none, and a URL needs `://`, so the parsing below runs on a few lines only.
 */
const CREDENTIAL_KEYWORD = /pass|pwd|secret|token|api.?key|access.?key/gi;

/** Characters of a setting's name: DB_PASSWORD, spring.datasource.password, --db-password. */
function isKeyChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 46 || c === 45
  );
}
const MAX_KEY = 128;
const MAX_VALUE = 512;

/** Words that make a name something other than the secret itself: password_hash, hashed_password, encrypted_token. */
const NOT_THE_SECRET = new Set([
  "hash",
  "hashed",
  "digest",
  "salt",
  "md5",
  "sha",
  "sha1",
  "sha256",
  "sha512",
  "bcrypt",
  "crypt",
  "crypted",
  "encrypted",
  "enc",
  "cipher",
  "ciphertext",
  // .NET's publicKeyToken and public_key: derived from a public key, published on purpose.
  "public",
]);
const PASSWORD_WORDS = new Set(["password", "passwd", "pwd", "pass", "passphrase", "pswd", "passwort"]);
const SECRET_WORDS = new Set([
  "secret",
  "token",
  "apikey",
  "secretkey",
  "accesskey",
  "authtoken",
  "accesstoken",
  "apitoken",
  "clientsecret",
  "apisecret",
]);
/** Two-word names whose last word alone says nothing: api_key, access_key, secret_key. */
const SECRET_PAIRS = new Set(["api key", "access key", "secret key", "pass phrase"]);

/** A name's words, lower case: DB_PASSWORD, dbPassword, APIKey2 → [db, password], [api, key]. */
function wordsOf(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .map((w) => w.replace(/[0-9]+$/, ""))
    .filter((w) => w !== "");
}

/** The kind of secret a setting's name says it holds, or undefined when the name says something else. */
export function credentialKindOf(name: string): CredentialKind | undefined {
  const words = wordsOf(name);
  const last = words.at(-1);
  if (last === undefined || words.some((w) => NOT_THE_SECRET.has(w))) return undefined;
  const pair = words.length > 1 ? `${words.at(-2)} ${last}` : "";
  // Shell's working directories, not passwords.
  if (words.length === 1 && (last === "pwd" || last === "oldpwd")) return undefined;
  // `pass` alone is too many things (scipy's 'pass': 'bandpass'); DB_PASS and SMTP_PASS are passwords.
  if (last === "pass" && words.length === 1) return undefined;
  if (PASSWORD_WORDS.has(last) || /.(?:password|passwd)$/.test(last) || pair === "pass phrase")
    return "password";
  if (SECRET_WORDS.has(last) || SECRET_PAIRS.has(pair)) return "secret";
  // Rails' secret_key_base.
  if (pair === "key base" && words.at(-3) === "secret") return "secret";
  return undefined;
}

/** Values that stand for something else: run-time references, encrypted values, YAML syntax, paths. */
const NOT_A_LITERAL =
  /^(?:[$&*!|>@%]|\{cipher\}|ENC[[(]|(?:arn|vault|env|file|ssm|secretsmanager|op|secret):|\.{0,2}\/|~\/)/i;
/** Words that make a value a label or a name, not a secret: "no-password-required", "x-aws-ec2-metadata-token". */
const NAME_WORDS = new Set(["password", "passwd", "secret", "token", "key", "apikey"]);
/** Schema and form words seen where a value would be: `password: string`, `token: required`. */
const TYPE_WORDS =
  /^(?:string|str|text|bool|boolean|int|integer|number|object|array|required|optional|hidden|masked|sensitive|plain|plaintext|bearer|basic|auto|random|generate|generated|prompt|ask)$/i;

/** Whether a literal value is worth charging for the setting `name` of this kind. */
function isChargeable(name: string, value: string, kind: CredentialKind): boolean {
  if (/\s/.test(value) || NOT_A_LITERAL.test(value) || TYPE_WORDS.test(value)) return false;
  if (isPlaceholderSecret(value)) return false;
  // The name written again (WaitForTaskToken = "waitForTaskToken", CHALLENGE_PASSWORD: "challengePassword").
  const flat = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, "");
  if (flat(name).endsWith(flat(value))) return false;
  if (wordsOf(value).some((w) => NAME_WORDS.has(w))) return false;
  if (kind === "password") return true;
  // An API key or token is generated: long enough, with a digit (token: session, output_token:
  // DistributionList.NextMarker are words; a random 20-character key lacks a digit 3 % of the time).
  // Issued keys keep to URL- and base64-safe characters; `Jobs[-1].JobId` is an expression.
  return value.length >= 8 && /^[A-Za-z0-9+/=_.~:-]+$/.test(value) && /[0-9]/.test(value);
}

/** Lines that are comments in the formats read here: # ; // /* * -- <!-- ! REM. */
const COMMENT_LINE = /^\s*(?:#|;|\/\/|\/\*|\*|-- |--$|<!--|!|REM\s)/i;
const INLINE_COMMENT = /[ \t]#/;

interface Setting {
  key: string;
  value: string;
  /** Offset in the text where the name starts. */
  at: number;
  /** Offset just after the value. */
  end: number;
}

/**
 * The setting whose name contains the keyword found at `hit`, with its literal value, in any of the
 * assignment forms: `k = v`, `k: v`, `"k": "v"`, `k => 'v'`, `k := v`, `export K=v`,
 * `define('K', 'v')`, `$k = 'v'`, `['k'] = 'v'`, `<k>v</k>`, `k="v"` attributes,
 * `key="k" value="v"` pairs (.NET appSettings, Spring and Tomcat XML) and `k=v;` in connection strings.
 */
function settingAt(
  text: string,
  start: number,
  end: number,
  lineEnd: number,
  scan: CredentialScan,
): Setting | undefined {
  const key = text.slice(start, end);
  const opener = text[start - 1];
  let pos = end;
  let quotedKey = false;
  if ((opener === '"' || opener === "'") && text[pos] === opener) {
    quotedKey = true;
    pos++;
  }
  while (text[pos] === "]") pos++;
  while (text[pos] === " " || text[pos] === "\t") pos++;
  const before = text.slice(Math.max(0, start - 24), start);
  let valueAt: number;
  let element = false;
  const op = /^(?:=>|:=|\?=|=|:)/.exec(text.slice(pos, pos + 2));
  // YAML wants a space after a bare key's colon; `passwd:amd64` (a log) and `Config::PASSWORD` are not settings.
  const colonOk = quotedKey || /[ \t\r\n"']/.test(text[pos + 1] ?? "\n");
  if (op && (op[0] !== ":" || colonOk)) valueAt = pos + op[0].length;
  else if (text[pos] === "," && quotedKey && /define\s*\(\s*["']$/i.test(before)) valueAt = pos + 1;
  else if (text[pos] === ">" && opener === "<") {
    valueAt = pos + 1;
    element = true;
  } else if (quotedKey && /(?:key|name)\s*=\s*["']$/i.test(before)) {
    const pair = /^value\s*=\s*/i.exec(text.slice(pos, pos + 24));
    if (!pair) return undefined;
    valueAt = pos + pair[0].length;
  } else return undefined;
  while (text[valueAt] === " " || text[valueAt] === "\t") valueAt++;
  const q = text[valueAt];
  if (q === '"' || q === "'" || q === "`") {
    let i = valueAt + 1;
    let value = "";
    for (; i < lineEnd && i - valueAt < MAX_VALUE; i++) {
      const c = text[i]!;
      if (c === "\\" && q !== "'" && i + 1 < lineEnd) value += text[++i];
      else if (c === q) return { key, value, at: start, end: i + 1 };
      else value += c;
    }
    return undefined;
  }
  if (element) {
    const close = text.indexOf("<", valueAt);
    if (close === -1 || close > lineEnd || text[close + 1] !== "/") return undefined;
    return { key, value: text.slice(valueAt, close).trim(), at: start, end: close };
  }
  if (scan.quotedOnly) return undefined;
  let i = valueAt;
  while (i < lineEnd && i - valueAt < MAX_VALUE && !/[\s;,"'<>&(){}[\]]/.test(text[i]!)) i++;
  // `getenv('X')`, `lookup(...)`: a call computes the value at run time.
  if (text[i] === "(") return undefined;
  // A bare value ends the line, or a comment or delimiter follows: `Password: choose a strong one` is prose.
  let rest = i;
  while (text[rest] === " " || text[rest] === "\t") rest++;
  if (rest < lineEnd && text[rest] !== "\r" && !/[#;,&"'<}\])/]/.test(text[rest]!)) return undefined;
  return { key, value: text.slice(valueAt, i), at: start, end: i };
}

/**
 * After `://`: userinfo with a password, then `@` and a host. The user may be empty (redis://:pw@);
 * the password may hold an unescaped `@` (the last one before the host ends it).
 */
const URL_USERINFO =
  /([^\s:/?#@"'`<>\\]{0,128}):([^\s/?#"'`<>\\]{1,256})@(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)/y;
const URL_SCHEME_CHAR = /[A-Za-z0-9+.-]/;
/** Documentation hosts (RFC 2606): URLs there are examples. */
const EXAMPLE_HOST = /(?:^|\.)(?:example(?:\.com|\.org|\.net)?|test|invalid)$/i;

/**
 * Block comments: `<!-- -->` in every file (XML's commented-out examples, as in maven's
 * settings.xml), `/* *\/` in program code only (in configuration `/*` is a glob and `*\/5` a cron
 * step). Computed per chunk: a comment across a chunk break (files over 256 KiB) is not seen.
 */
function blockComments(text: string, code: boolean): Array<[number, number]> {
  const pairs: Array<[string, string]> = code
    ? [
        ["<!--", "-->"],
        ["/*", "*/"],
      ]
    : [["<!--", "-->"]];
  const nextOpen = pairs.map(([open]) => text.indexOf(open));
  const ranges: Array<[number, number]> = [];
  let pos = 0;
  for (;;) {
    let k = -1;
    for (let i = 0; i < pairs.length; i++) {
      if (nextOpen[i] !== -1 && nextOpen[i]! < pos) nextOpen[i] = text.indexOf(pairs[i]![0], pos);
      if (nextOpen[i] !== -1 && (k === -1 || nextOpen[i]! < nextOpen[k]!)) k = i;
    }
    if (k === -1) return ranges;
    const [open, close] = pairs[k]!;
    const start = nextOpen[k]!;
    const end = text.indexOf(close, start + open.length);
    if (end === -1) {
      ranges.push([start, text.length]);
      return ranges;
    }
    ranges.push([start, end + close.length]);
    pos = end + close.length;
  }
}

/** Whether offsets, asked in increasing order, lie in one of the ranges. */
function insideRanges(ranges: ReadonlyArray<[number, number]>): (at: number) => boolean {
  let i = 0;
  return (at) => {
    while (i < ranges.length && ranges[i]![1] <= at) i++;
    return i < ranges.length && ranges[i]![0] <= at;
  };
}

export interface CredentialSink {
  configCredentials: ConfigCredentialMatch[];
  urlCredentials: UrlCredentialMatch[];
}

/**
 * Finds literal credentials in one chunk of a file (whole lines). `lineAt` maps an offset to its
 * 1-based line; `tokens` are values the issuer-shaped token patterns already reported in this chunk
 * (not charged twice).
 */
export function findCredentials(
  text: string,
  file: string,
  scan: CredentialScan,
  lineAt: (offset: number) => number,
  tokens: ReadonlySet<string>,
  sink: CredentialSink,
): void {
  const alreadyReported = (value: string) => [...tokens].some((t) => value.includes(t));
  let lineStart = 0;
  let lineEnd = -1;
  let comment = false;
  let inlineComment = -1;
  const enterLine = (at: number) => {
    if (at <= lineEnd) return;
    lineStart = text.lastIndexOf("\n", at) + 1;
    const eol = text.indexOf("\n", at);
    lineEnd = eol === -1 ? text.length : eol;
    comment = COMMENT_LINE.test(text.slice(lineStart, Math.min(lineEnd, lineStart + 64)));
    const hash = INLINE_COMMENT.exec(text.slice(lineStart, lineEnd));
    inlineComment = hash ? lineStart + hash.index : -1;
  };
  /** In a comment: the whole line, or after ` #` (INI, YAML, shell, TOML and properties alike). */
  const commented = (at: number) => comment || (inlineComment !== -1 && at > inlineComment);
  // Found only when a candidate needs them: most chunks have none.
  let blocks: Array<[number, number]> | undefined;
  const inBlock = (): ((at: number) => boolean) => {
    blocks ??= blockComments(text, scan.quotedOnly);
    return insideRanges(blocks);
  };
  let settingInBlock: ((at: number) => boolean) | undefined;
  CREDENTIAL_KEYWORD.lastIndex = 0;
  for (let m = CREDENTIAL_KEYWORD.exec(text); m; m = CREDENTIAL_KEYWORD.exec(text)) {
    enterLine(m.index);
    if (commented(m.index)) {
      CREDENTIAL_KEYWORD.lastIndex = lineEnd;
      continue;
    }
    // The whole name around the keyword: one look per name (secret_password holds two keywords).
    // The search resumes after the run of name characters, so a hostile run is walked once.
    let start = m.index;
    while (start > lineStart && m.index - start <= MAX_KEY && isKeyChar(text.charCodeAt(start - 1))) start--;
    let end = m.index + m[0].length;
    while (end < lineEnd && isKeyChar(text.charCodeAt(end))) end++;
    CREDENTIAL_KEYWORD.lastIndex = end;
    // Longer than any setting's name: minified code or data, not a name.
    if (end - start > MAX_KEY) continue;
    const setting = settingAt(text, start, end, lineEnd, scan);
    if (!setting) continue;
    CREDENTIAL_KEYWORD.lastIndex = setting.end;
    const kind = credentialKindOf(setting.key);
    if (!kind || !isChargeable(setting.key, setting.value, kind) || alreadyReported(setting.value)) continue;
    settingInBlock ??= inBlock();
    if (settingInBlock(setting.at)) continue;
    sink.configCredentials.push({
      path: file,
      line: lineAt(setting.at),
      kind,
      setting: setting.key.replace(/^-+/, ""),
      masked: maskSecretValue(setting.value, 0),
      certainty: scan.certainty,
    });
  }
  lineEnd = -1;
  let urlInBlock: ((at: number) => boolean) | undefined;
  for (let at = text.indexOf("://"); at !== -1; at = text.indexOf("://", at + 3)) {
    let s = at;
    while (s > 0 && at - s < 32 && URL_SCHEME_CHAR.test(text[s - 1]!)) s--;
    if (s === at || !/[A-Za-z]/.test(text[s]!)) continue;
    URL_USERINFO.lastIndex = at + 3;
    const u = URL_USERINFO.exec(text);
    if (!u) continue;
    const [, user, password, host] = u as unknown as [string, string, string, string];
    enterLine(at);
    if (
      commented(at) ||
      EXAMPLE_HOST.test(host) ||
      isPlaceholderSecret(password) ||
      alreadyReported(password)
    )
      continue;
    if (NOT_A_LITERAL.test(password)) continue;
    urlInBlock ??= inBlock();
    if (urlInBlock(at)) continue;
    sink.urlCredentials.push({
      path: file,
      line: lineAt(at),
      url: `${text.slice(s, at)}://${user}:${maskSecretValue(password, 0).replace(/ \(.*$/, "")}@${host}`,
      certainty: scan.certainty,
    });
  }
}
