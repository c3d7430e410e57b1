import {
  type ConfigCredentialMatch,
  type CredentialScan,
  credentialScanOf,
  findCredentials,
  type UrlCredentialMatch,
} from "./config-credentials.js";
import { KEYS, type Prescan, prescan, TOKENS } from "./literal-prescan.js";
import { maskSecretValue } from "./mask.js";
import {
  ENDPOINT_PREFIXES,
  type ExpectedKey,
  expectedKeyAt,
  isBannerPath,
  KEY_BEGIN,
  OTHER_CLOUD,
  REGION_ENDPOINT,
  type SecretKind,
  TOKEN_PATTERNS,
} from "./secret-patterns.js";

export interface PrivateKeyMatch {
  path: string;
  /** 1-based line of the BEGIN marker. */
  line: number;
  /** "RSA PRIVATE KEY", "OPENSSH PRIVATE KEY", "PRIVATE KEY" (PKCS#8), "PuTTY ssh-ed25519"… */
  label: string;
  /** Passphrase-protected; undefined when the format does not say. Still a key pair in the image. */
  encrypted?: boolean;
  /** Set where a key is expected (SSH host keys, the ssl-cert snakeoil key); classified, not dropped. */
  expected?: ExpectedKey;
}

export interface SecretMatch {
  path: string;
  line: number;
  kind: SecretKind;
  /** maskSecret of the value: a prefix and the length, never the secret. */
  masked: string;
}

export interface EndpointMatch {
  path: string;
  line: number;
  host: string;
}

export interface CloudMention {
  path: string;
  line: number;
  /** The other platform's name as written ("Azure", "Google Cloud"). */
  cloud: string;
  /** The line, trimmed and cut to 160 characters. */
  text: string;
}

export interface ScanSink {
  privateKeys: PrivateKeyMatch[];
  secrets: SecretMatch[];
  endpoints: EndpointMatch[];
  cloudMentions: CloudMention[];
  configCredentials: ConfigCredentialMatch[];
  urlCredentials: UrlCredentialMatch[];
}

/** A sink with nothing in it yet: one per content pass. */
export function emptySink(): ScanSink {
  return {
    privateKeys: [],
    secrets: [],
    endpoints: [],
    cloudMentions: [],
    configCredentials: [],
    urlCredentials: [],
  };
}

/** What a TextScanner looks for in one file. */
export interface TextScanOptions {
  expected?: ExpectedKey;
  endpoints: boolean;
  banner?: boolean;
  /** How the file's settings are read for literal credentials; unset: not read for them. */
  credentials?: CredentialScan;
}

/**
 * The scan of the file at `path`, from its path alone and whether it is the publisher's
 * configuration (not installed by a language package manager): a library's defaults and
 * docstrings are not the publisher's settings, but its keys and tokens are still read.
 */
export function textScanOptions(path: string, configuration: boolean): TextScanOptions {
  const expected = expectedKeyAt(path);
  const credentials = configuration ? credentialScanOf(path) : undefined;
  return {
    ...(expected ? { expected } : {}),
    ...(credentials ? { credentials } : {}),
    endpoints: configuration && ENDPOINT_PREFIXES.some((p) => path.startsWith(p)),
    banner: isBannerPath(path),
  };
}

/** Appends `from`'s matches to `into`'s, list by list (a file's matches keep their order). */
export function appendSink(into: ScanSink, from: ScanSink): void {
  for (const key of Object.keys(into) as Array<keyof ScanSink>) (into[key] as unknown[]).push(...from[key]);
}

/** Scans one file's whole text into `sink`. */
export function scanWholeText(path: string, configuration: boolean, data: Buffer, sink: ScanSink): void {
  const scanner = new TextScanner(path, sink, textScanOptions(path, configuration));
  if (data.length <= DECODE_PIECE) {
    scanner.chunkBytes(data, true);
    scanner.finish();
    return;
  }
  const text = new PiecewiseText(scanner);
  text.push(data);
  text.end();
}

/** A real key body is at least this much base64 (an Ed25519 PKCS#8 key is 64); a doc stub is less. */
const MIN_KEY_BASE64 = 64;
/** A 16384-bit RSA key is ~12 KiB of base64; anything longer is not one key block. */
const MAX_KEY_BASE64 = 64 * 1024;
const MAX_KEY_LINES = 2048;
/** PuTTY files put Private-Lines within a few dozen lines of the header. */
const MAX_PUTTY_LINES = 256;
const BASE64_LINE = /^[A-Za-z0-9+/]*={0,2}$/;
const PEM_HEADER = /^[A-Za-z-]+:/;

interface KeyBlock {
  kind: "pem" | "putty";
  line: number;
  label: string;
  lines: number;
  base64: number;
  /** First base64 characters (the OpenSSH header names the cipher). */
  head: string;
  bad: boolean;
  encrypted?: boolean;
}

/** OpenSSH key format (PROTOCOL.key): "openssh-key-v1\0", then the cipher name as an SSH string. */
function opensshEncrypted(head: string): boolean | undefined {
  const bytes = Buffer.from(head.slice(0, head.length - (head.length % 4)), "base64");
  if (bytes.length < 19 || bytes.toString("latin1", 0, 15) !== "openssh-key-v1\0") return undefined;
  const len = bytes.readUInt32BE(15);
  if (19 + len > bytes.length) return undefined;
  return bytes.toString("latin1", 19, 19 + len) !== "none";
}

/**
 * Scans one file's text chunk by chunk (each chunk ends at a line break, except the last), with
 * memory bounded by the chunk: a key block spanning chunks is carried as counters, not text.
 * Text is decoded as latin1 so that byte offsets, line breaks and the ASCII patterns agree.
 */
export class TextScanner {
  private lineBase = 0;
  private block: KeyBlock | undefined;

  constructor(
    private readonly path: string,
    private readonly sink: ScanSink,
    private readonly options: TextScanOptions,
  ) {}

  /**
   * Scans the next chunk given as bytes: decoded only when a search could find something in it (a
   * literal is there, a key block is open, or the file's settings or banner are read). Most text
   * never is (on the 300 k disk the scan's CPU fell ~5 %, lower in each of 6 pairs).
   */
  chunkBytes(data: Buffer, last = false): void {
    const { credentials, banner, endpoints } = this.options;
    if (!this.block && !credentials && !banner) {
      const found = prescan(data, !last);
      if (found.families === 0 && !(endpoints && data.includes("amazonaws.com"))) {
        if (!last) this.lineBase += found.lines;
        return;
      }
      // The bytes' prescan is the text's: not read again.
      this.scan(data.toString("latin1"), last, found);
      return;
    }
    this.chunk(data.toString("latin1"), last);
  }

  /** Scans the next chunk; `last` when no chunk follows (its lines need not be counted then). */
  chunk(text: string, last = false): void {
    this.scan(text, last, prescan(text, !last));
  }

  /** Scans a chunk whose literals and lines `found` says (literal-prescan.ts). */
  private scan(text: string, last: boolean, found: Prescan): void {
    let newlines: number[] | undefined;
    const lineAt = (index: number): number => {
      newlines ??= lineBreaks(text);
      let lo = 0;
      let hi = newlines.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (newlines[mid]! < index) lo = mid + 1;
        else hi = mid;
      }
      return this.lineBase + lo + 1;
    };
    let resumeAt = 0;
    if (this.block) resumeAt = this.continueBlock(text, 0);
    // Most text holds no token literal and no key marker: then neither search runs.
    const { families, lines } = found;
    KEY_BEGIN.lastIndex = families & KEYS ? resumeAt : text.length;
    for (let m = KEY_BEGIN.exec(text); m; m = KEY_BEGIN.exec(text)) {
      const line = lineAt(m.index);
      const putty = m[2] !== undefined;
      this.block = {
        kind: putty ? "putty" : "pem",
        line,
        label: putty
          ? `PuTTY ${m[3]}`
          : m[0].startsWith("---- ")
            ? "SSH2 ENCRYPTED PRIVATE KEY"
            : `${m[1] ?? ""}PRIVATE KEY`,
        lines: 0,
        base64: 0,
        head: "",
        bad: false,
        ...(m[1]?.includes("ENCRYPTED") || m[0].startsWith("---- ") ? { encrypted: true } : {}),
      };
      const after = m.index + m[0].length;
      const eol = text.indexOf("\n", after);
      const rest = text.slice(after, eol === -1 ? text.length : eol);
      // One-line forms: JSON/YAML strings with "\n" escapes ("private_key": "-----BEGIN…\n…").
      if (!putty && rest.includes("\\n")) {
        for (const part of rest.split(/(?:\\r)?\\n/)) if (this.block) this.blockLine(part);
        if (this.block) this.block = undefined;
        KEY_BEGIN.lastIndex = eol === -1 ? text.length : eol;
        continue;
      }
      KEY_BEGIN.lastIndex = this.continueBlock(text, eol === -1 ? text.length : eol + 1);
    }
    const tokens = new Set<string>();
    if (families & TOKENS) {
      for (const p of TOKEN_PATTERNS) {
        p.regex.lastIndex = 0;
        for (let m = p.regex.exec(text); m; m = p.regex.exec(text)) {
          const value = m[1]!;
          if (p.isExample?.(value)) continue;
          tokens.add(value);
          this.sink.secrets.push({
            path: this.path,
            line: lineAt(m.index),
            kind: p.kind,
            masked: maskSecretValue(value),
          });
        }
      }
    }
    // One keyword search is its own prefilter: most files have no match and cost one regex pass.
    if (this.options.credentials)
      findCredentials(text, this.path, this.options.credentials, lineAt, tokens, this.sink);
    if (this.options.endpoints && text.includes("amazonaws.com")) {
      REGION_ENDPOINT.lastIndex = 0;
      for (let m = REGION_ENDPOINT.exec(text); m; m = REGION_ENDPOINT.exec(text))
        this.sink.endpoints.push({ path: this.path, line: lineAt(m.index), host: m[1]! });
    }
    if (this.options.banner) {
      OTHER_CLOUD.lastIndex = 0;
      for (let m = OTHER_CLOUD.exec(text); m; m = OTHER_CLOUD.exec(text)) {
        const start = text.lastIndexOf("\n", m.index) + 1;
        const eol = text.indexOf("\n", m.index);
        const line = text
          .slice(start, eol === -1 ? text.length : eol)
          .trim()
          .slice(0, 160);
        this.sink.cloudMentions.push({ path: this.path, line: lineAt(m.index), cloud: m[1]!, text: line });
      }
    }
    if (!last) this.lineBase += lines;
  }

  /** The file ended: a block still open had no END line, so it is not a complete key. */
  finish(): void {
    this.block = undefined;
  }

  /** Feeds lines from `start` to the open block until it closes; returns where scanning resumes. */
  private continueBlock(text: string, start: number): number {
    let pos = start;
    while (this.block && pos < text.length) {
      const eol = text.indexOf("\n", pos);
      const end = eol === -1 ? text.length : eol;
      this.blockLine(text.slice(pos, end));
      pos = end + 1;
    }
    return Math.min(pos, text.length);
  }

  private blockLine(raw: string): void {
    const block = this.block!;
    const line = raw.trim().replace(/^["']|["'],?$/g, "");
    block.lines++;
    if (block.kind === "putty") {
      if (line.startsWith("Encryption:")) block.encrypted = !/:\s*none$/.test(line);
      if (line.startsWith("Private-Lines:")) {
        this.close();
        return;
      }
      if (block.lines > MAX_PUTTY_LINES) this.block = undefined;
      return;
    }
    if (/^-{4,5} ?END /.test(line)) {
      this.close();
      return;
    }
    // PGP armor ends with a CRC-24 line "=XXXX" (RFC 4880 §6.1).
    if (block.label.startsWith("PGP ") && /^=[A-Za-z0-9+/]{4}$/.test(line)) return;
    if (line === "" || PEM_HEADER.test(line)) {
      if (/^Proc-Type:.*ENCRYPTED/.test(line)) block.encrypted = true;
      return;
    }
    if (!BASE64_LINE.test(line)) block.bad = true;
    block.base64 += line.length;
    if (block.head.length < 128) block.head += line.slice(0, 128 - block.head.length);
    if (block.bad || block.lines > MAX_KEY_LINES || block.base64 > MAX_KEY_BASE64) this.block = undefined;
  }

  private close(): void {
    const block = this.block!;
    this.block = undefined;
    if (block.kind === "pem" && (block.bad || block.base64 < MIN_KEY_BASE64)) return;
    this.sink.privateKeys.push({
      path: this.path,
      line: block.line,
      label: block.label,
      ...encryption(block),
      ...(this.options.expected ? { expected: this.options.expected } : {}),
    });
  }
}

/**
 * Text is decoded and scanned at most this many bytes at a time (plus a carried partial line). V8
 * makes a string over ~128 KiB in its large-object space, one mapping per string: decoding one
 * ran at ~175 MB/s here against 3–10 GB/s for smaller ones, and files of 128 KiB–1 MiB were a
 * sixth of the content thread's time.
 */
const DECODE_PIECE = 32 * 1024;
/**
 * A line longer than this is cut (minified files), after its last `,` or `;` where it has one (no
 * token, key or URL pattern spans those): memory stays bounded, and the text scanned at once stays
 * under V8's large-string size.
 */
const MAX_CARRY = 64 * 1024;

/**
 * Feeds a file read in pieces to its TextScanner at line breaks, about DECODE_PIECE bytes at a
 * time, as subarrays of the piece (no copy): only the partial last line of a piece is carried into
 * the next (cut at MAX_CARRY, so one endless line cannot hold the whole file). The pieces stay
 * bytes (TextScanner.chunkBytes); a carried line is joined to the head of the next piece on its
 * own, so the rest of the piece is never copied. Copying every 32 KiB window's partial line into
 * the next was ~6 % of a content thread's CPU on the 30 k disk (its minified and long-line files).
 */
export class PiecewiseText {
  private carry: Buffer | undefined;
  constructor(private readonly scanner: TextScanner) {}

  push(data: Buffer): void {
    let start = 0;
    // The carried line ends at the piece's first line break: it is scanned as a chunk of its own,
    // joined to the piece's head a window at a time (a line that does not end is cut as it grows).
    while (this.carry && start < data.length) {
      const window = data.subarray(start, start + DECODE_PIECE);
      const nl = window.indexOf(10);
      const head = nl === -1 ? window : window.subarray(0, nl + 1);
      const line = Buffer.concat([this.carry, head]);
      this.carry = undefined;
      start += head.length;
      if (nl === -1) this.keep(line, true);
      else this.scanner.chunkBytes(line);
    }
    while (data.length - start > DECODE_PIECE) {
      // Searched within the window only: back past its start is text already scanned.
      const cut = data.subarray(start, start + DECODE_PIECE).lastIndexOf(10);
      if (cut !== -1) {
        this.scanner.chunkBytes(data.subarray(start, start + cut + 1));
        start += cut + 1;
        continue;
      }
      // A line longer than the window: scanned to its end when that is within MAX_CARRY, else cut.
      if (data.length - start <= MAX_CARRY) break;
      const span = data.subarray(start, start + MAX_CARRY);
      const nl = span.indexOf(10, DECODE_PIECE);
      const end = nl === -1 ? longLineCut(span, 0) : nl + 1;
      this.scanner.chunkBytes(data.subarray(start, start + end));
      start += end;
    }
    this.keep(data.subarray(start), false);
  }

  end(): void {
    if (this.carry) this.scanner.chunkBytes(this.carry, true);
    this.carry = undefined;
    this.scanner.finish();
  }

  /**
   * Scans `bytes` up to their last line break (or a cut of a line too long to carry), carries the
   * rest: a copy unless `owned` (the caller's buffer is reused for its next read).
   */
  private keep(bytes: Buffer, owned: boolean): void {
    const cut = bytes.lastIndexOf(10);
    if (cut === -1 && bytes.length < MAX_CARRY) {
      if (bytes.length > 0) this.carry = owned ? bytes : Buffer.from(bytes);
      return;
    }
    let end = cut + 1;
    if (bytes.length - end >= MAX_CARRY) end = longLineCut(bytes, end);
    if (end > 0) this.scanner.chunkBytes(bytes.subarray(0, end));
    if (end < bytes.length) this.carry = owned ? bytes.subarray(end) : Buffer.from(bytes.subarray(end));
  }
}

/**
 * Where a line from `start` too long to carry is cut: after its last `,` or `;` in its second half
 * (so what is carried stays under half of it), else at its end.
 */
function longLineCut(bytes: Buffer, start: number): number {
  const at = Math.max(bytes.lastIndexOf(0x2c), bytes.lastIndexOf(0x3b));
  return at >= start + (bytes.length - start) / 2 ? at + 1 : bytes.length;
}

/** Whether the key is passphrase-protected, when its format says. */
function encryption(block: KeyBlock): { encrypted?: boolean } {
  if (block.label === "OPENSSH PRIVATE KEY") {
    const encrypted = opensshEncrypted(block.head);
    return encrypted === undefined ? {} : { encrypted };
  }
  if (block.encrypted !== undefined) return { encrypted: block.encrypted };
  // PKCS#1, SEC1, DSA and PKCS#8 PEM without Proc-Type are plain; PGP keeps it inside the packets.
  return block.label.startsWith("PGP ") ? {} : { encrypted: false };
}

function lineBreaks(text: string): number[] {
  const out: number[] = [];
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) out.push(i);
  return out;
}
