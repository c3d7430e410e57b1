/**
 * Readers of the configuration formats of services that keep a password beside their settings:
 * redis.conf and sentinel.conf, rclone.conf, wpa_supplicant.conf network blocks, and OpenVPN
 * (inline `<auth-user-pass>` blocks, the files `auth-user-pass FILE` names). Like the readers in
 * credential-formats.ts, each says which values are secrets; placeholders are the caller's call.
 */
import { parseKeyValues, type SecretHit } from "./credential-formats.js";

function lines(text: string): Array<[string, number]> {
  return text.split("\n").map((l, i) => [l.endsWith("\r") ? l.slice(0, -1) : l, i + 1]);
}

/**
 * One redis.conf line as redis splits it (sdssplitargs): words, "double-quoted" with backslash
 * escapes (\n, \t, \xHH, \"), 'single-quoted' with only \'. Undefined when a quote is not closed,
 * a line redis refuses.
 */
export function splitRedisArgs(line: string): string[] | undefined {
  const args: string[] = [];
  let i = 0;
  const escapes: Record<string, string> = { n: "\n", r: "\r", t: "\t", b: "\b", a: "\x07" };
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i]!)) i++;
    if (i >= line.length) break;
    let word = "";
    const quote = line[i] === '"' || line[i] === "'" ? line[i++] : undefined;
    for (;;) {
      if (i >= line.length) {
        if (quote) return undefined;
        break;
      }
      const c = line[i]!;
      if (!quote && /\s/.test(c)) break;
      if (quote && c === quote) {
        i++;
        // redis requires a space (or the end) after a closing quote.
        if (i < line.length && !/\s/.test(line[i]!)) return undefined;
        break;
      }
      if (quote === '"' && c === "\\" && i + 1 < line.length) {
        const next = line[i + 1]!;
        const hex = /^x([0-9a-f]{2})/i.exec(line.slice(i + 1, i + 4));
        if (hex) {
          word += String.fromCharCode(Number.parseInt(hex[1]!, 16));
          i += 4;
        } else {
          word += escapes[next] ?? next;
          i += 2;
        }
        continue;
      }
      if (quote === "'" && c === "\\" && line[i + 1] === "'") {
        word += "'";
        i += 2;
        continue;
      }
      word += c;
      i++;
    }
    args.push(word);
  }
  return args;
}

/** The example value redis.conf's own comments use (`requirepass foobared`). */
const REDIS_EXAMPLE = "foobared";

/**
 * redis.conf and sentinel.conf: `requirepass PW`, `masterauth PW`, `sentinel auth-pass MASTER PW`,
 * `sentinel sentinel-pass PW`, and ACL `user NAME … >PW` (a plaintext password) or `#SHA256` (its
 * hash, which redis accepts in place of the password's check). Directive names are case-insensitive;
 * `#` starts a comment line.
 */
export function parseRedisConfig(text: string): SecretHit[] {
  const hits: SecretHit[] = [];
  for (const [line, n] of lines(text)) {
    const t = line.trim();
    if (t === "" || t.startsWith("#")) continue;
    const args = splitRedisArgs(t);
    if (!args || args.length < 2) continue;
    const directive = args[0]!.toLowerCase();
    const add = (field: string, value: string) => {
      if (value !== "" && value !== REDIS_EXAMPLE) hits.push({ field, value, line: n, password: true });
    };
    if (directive === "requirepass" || directive === "masterauth") add(directive, args[1]!);
    else if (directive === "sentinel") {
      const sub = args[1]!.toLowerCase();
      if (sub === "auth-pass" && args.length >= 4) add(`sentinel auth-pass of ${args[2]}`, args[3]!);
      else if (sub === "sentinel-pass" && args.length >= 3) add("sentinel sentinel-pass", args[2]!);
    } else if (directive === "user" && args.length >= 3)
      for (const rule of args.slice(2)) {
        if (rule.startsWith(">")) add(`password of ACL user ${args[1]}`, rule.slice(1));
        else if (/^#[0-9a-f]{64}$/i.test(rule)) add(`password hash of ACL user ${args[1]}`, rule.slice(1));
      }
  }
  return hits;
}

/** rclone.conf keys that hold a password, a key or a token (obscured passwords are reversible). */
const RCLONE_SECRET_KEYS = new Set([
  "pass",
  "password",
  "password2",
  "token",
  "client_secret",
  "secret_access_key",
  "session_token",
  "key",
  "account_key",
  "sas_url",
  "bearer_token",
  "api_key",
  "app_key",
  "access_token",
  "service_account_credentials",
]);

/**
 * rclone.conf: INI sections, one per remote. `pass`/`password` values are "obscured" (AES-CTR
 * with a key published in rclone's source; `rclone reveal` undoes it), so they are credentials like
 * the keys and tokens beside them. A config encrypted with `rclone config encryption set`
 * (RCLONE_ENCRYPT_V0:) keeps its secrets behind a password that is not in the file.
 */
export function parseRcloneConfig(text: string): SecretHit[] {
  if (/^\s*(?:[#;].*\n\s*)*RCLONE_ENCRYPT_V\d+:/.test(text)) return [];
  return parseKeyValues(text, {
    isSecretKey: (k) => RCLONE_SECRET_KEYS.has(k.toLowerCase()),
    separators: /\s*=\s*/,
    comments: ["#", ";"],
  }).map((h) =>
    /^pass(?:word2?)?$/i.test(h.field)
      ? { ...h, field: `${h.field} (obscured, reversible)`, password: true }
      : h,
  );
}

/**
 * wpa_supplicant.conf: secrets live in `network={ … }` blocks and Hotspot 2.0 `cred={ … }` blocks.
 * `psk="passphrase"` or a 64-hex derived key (which joins the network as well as the passphrase
 * does); `psk=ext:NAME` and `password=ext:NAME` name an external store and hold nothing.
 * `password` (EAP) is quoted or `hash:` an NtPasswordHash; `sae_password`, `private_key_passwd`,
 * `wep_key0..3`, MACsec's `mka_cak` and a SIM's `milenage` keys likewise. Lines starting with `#`
 * are comments; a value is the text after the first `=`.
 */
export function parseWpaSupplicant(text: string): SecretHit[] {
  const hits: SecretHit[] = [];
  let block: { kind: string; name: string | undefined; hits: SecretHit[] } | undefined;
  const close = () => {
    if (!block) return;
    const of = block.name !== undefined ? ` of ${block.kind} ${block.name}` : "";
    for (const h of block.hits) hits.push({ ...h, field: `${h.field}${of}` });
    block = undefined;
  };
  for (const [line, n] of lines(text)) {
    const t = line.trim();
    if (t === "" || t.startsWith("#")) continue;
    const opens = /^(network|cred)\s*=\s*\{$/.exec(t);
    if (opens) {
      close();
      block = { kind: opens[1] === "cred" ? "credential" : "network", name: undefined, hits: [] };
      continue;
    }
    if (t === "}") {
      close();
      continue;
    }
    if (!block) continue;
    const eq = t.indexOf("=");
    if (eq <= 0) continue;
    const key = t.slice(0, eq).trim();
    const raw = t.slice(eq + 1).trim();
    const quoted = raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : undefined;
    if (key === (block.kind === "network" ? "ssid" : "realm"))
      block.name = quoted !== undefined ? `"${quoted}"` : raw;
    const add = (field: string, value: string) => {
      if (value !== "") block!.hits.push({ field, value, line: n, password: true });
    };
    if (raw.startsWith("ext:")) continue;
    if (key === "psk") {
      if (quoted !== undefined) add("psk (passphrase)", quoted);
      else if (/^[0-9a-f]{64}$/i.test(raw)) add("psk (derived key)", raw);
    } else if (key === "password") {
      if (quoted !== undefined) add("password", quoted);
      else if (/^hash:[0-9a-f]{32}$/i.test(raw)) add("password (NT hash)", raw.slice(5));
    } else if (key === "sae_password" || /^private_key2?_passwd$/.test(key)) {
      if (quoted !== undefined) add(key, quoted);
    } else if (/^wep_key[0-3]$/.test(key) || key === "mka_cak") add(key, quoted ?? raw);
    else if (key === "milenage" && quoted !== undefined) add(key, quoted);
  }
  close();
  return hits;
}

/** OpenVPN's comment lines: `#` or `;` first. */
function openvpnLines(text: string): Array<[string, number]> {
  return lines(text).filter(([l]) => !/^\s*[#;]/.test(l));
}

/** An OpenVPN option's words: whitespace-separated, "double" or 'single' quoted. */
function openvpnWords(line: string): string[] {
  return [...line.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g)].map((m) =>
    m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : (m[2] ?? m[3]!),
  );
}

/**
 * An OpenVPN configuration (.conf, .ovpn): a password in an inline `<auth-user-pass>` block
 * (username on its first line, password on the second; a block with only a username prompts).
 */
export function parseOpenvpnConfig(text: string): SecretHit[] {
  const hits: SecretHit[] = [];
  const all = lines(text);
  for (let i = 0; i < all.length; i++) {
    if (all[i]![0].trim() !== "<auth-user-pass>") continue;
    const body: Array<[string, number]> = [];
    for (i++; i < all.length && all[i]![0].trim() !== "</auth-user-pass>"; i++) body.push(all[i]!);
    const [user, pass] = body;
    if (user && pass && pass[0] !== "")
      hits.push({ field: `password of ${user[0].trim()}`, value: pass[0], line: pass[1], password: true });
  }
  return hits;
}

/** The files an OpenVPN configuration's `auth-user-pass FILE` options name, as written. */
export function openvpnAuthFileRefs(text: string): string[] {
  const refs: string[] = [];
  for (const [line] of openvpnLines(text)) {
    const words = openvpnWords(line.trim());
    const option = words[0]?.replace(/^--/, "");
    if (option === "auth-user-pass" && words[1] !== undefined && words[1] !== "stdin") refs.push(words[1]);
  }
  return refs;
}

/**
 * An `auth-user-pass` file: the username on the first line, the password on the second (OpenVPN
 * reads each line whole, spaces included). A file with a username only makes OpenVPN prompt.
 */
export function parseOpenvpnAuthFile(text: string): SecretHit[] {
  const [user, pass] = lines(text);
  if (!user || !pass || user[0].trim() === "" || pass[0] === "") return [];
  return [{ field: `password of ${user[0].trim()}`, value: pass[0], line: 2, password: true }];
}

/**
 * A file in /etc/openvpn that no configuration names but has the auth file's exact shape: two
 * lines, a single word on each, neither a comment nor a PEM or inline-block marker. Keys,
 * certificates and scripts are longer or shaped otherwise.
 */
export function parseUnreferencedOpenvpnAuthFile(text: string): SecretHit[] {
  const body = text.replace(/\r?\n$/, "").split(/\r?\n/);
  if (body.length !== 2 || !body.every((l) => /^[^\s#;<-]\S*$/.test(l))) return [];
  return parseOpenvpnAuthFile(text);
}

/**
 * FileZilla's sitemanager.xml and recentservers.xml: each `<Server>` keeps its `<Pass>` in base64
 * (`encoding="base64"`, FileZilla 3.26 on) or as it is (older); `encoding="crypt"` is encrypted
 * with a master password kept elsewhere, not a secret here. One hit per server, at its Pass line.
 */
export function parseFileZillaServers(text: string): SecretHit[] {
  const hits: SecretHit[] = [];
  let server: { user?: string; host?: string; pass?: { value: string; line: number } } | undefined;
  const close = () => {
    if (server?.pass) {
      const who =
        server.user !== undefined && server.host !== undefined ? ` of ${server.user}@${server.host}` : "";
      hits.push({ field: `Pass${who}`, value: server.pass.value, line: server.pass.line, password: true });
    }
    server = undefined;
  };
  for (const [line, n] of lines(text)) {
    if (/<Server[\s>]/.test(line)) server = {};
    if (server) {
      const field = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(line)?.[1];
      server.user ??= field("User");
      server.host ??= field("Host");
      const pass = /<Pass(?:\s+encoding="([^"]*)")?[^>]*>([^<]*)<\/Pass>/.exec(line);
      if (pass && pass[2] !== "") {
        const encoding = pass[1] ?? "";
        const value =
          encoding === "base64"
            ? Buffer.from(pass[2]!, "base64").toString("utf8")
            : encoding === ""
              ? pass[2]!
              : "";
        if (value !== "") server.pass = { value, line: n };
      }
    }
    if (/<\/Server>/.test(line)) close();
  }
  close();
  return hits;
}
