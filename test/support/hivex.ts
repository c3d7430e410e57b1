import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Hive } from "../../src/inspect/windows/regf/index.js";
import { REPO_ROOT, SHARED } from "./trees.js";

/**
 * Normalised dumps of a hive for comparing our reader with hivexregedit (libwin-hivex-perl,
 * a C peer): one line per key ("K <path>") and per value ("V <path>\t<name>\t<type>\t<hex>"),
 * sorted. hivexregedit writes every value as hex(<type>):<bytes>, so raw bytes are compared.
 */
export function hivexDump(file: string): string[] {
  const out = execFileSync("hivexregedit", ["--export", file, "\\"], {
    maxBuffer: 1 << 30,
    stdio: ["ignore", "pipe", "ignore"],
  });
  const lines: string[] = [];
  let key = "";
  for (const line of splitLines(out)) {
    if (line.startsWith("[") && line.endsWith("]")) {
      key = line.slice(1, -1).replace(/^\\/, "");
      lines.push(`K ${key.toUpperCase()}`);
      continue;
    }
    const m = /^(@|"(?:[^"\\]|\\.)*")=(?:hex\(([0-9a-f]+)\):(.*)|dword:([0-9a-f]{8}))$/.exec(line);
    if (!m) continue;
    const name = m[1] === "@" ? "" : m[1]!.slice(1, -1).replace(/\\(.)/g, "$1");
    // hivexregedit prints a 4-byte REG_DWORD as dword:<big-endian hex>; turn it back into bytes.
    const [type, hex] =
      m[4] !== undefined
        ? [4, Buffer.from(m[4], "hex").reverse().toString("hex")]
        : [Number.parseInt(m[2]!, 16), m[3]!.replace(/,/g, "")];
    lines.push(`V ${key.toUpperCase()}\t${name}\t${type}\t${hex}`);
  }
  return lines.sort();
}

/** The same dump from our reader; errors become "E" lines so they show in a diff. */
export function ourDump(hive: Hive): string[] {
  const lines: string[] = [];
  for (const key of hive.walk((path, e) => lines.push(`E ${path}: ${String(e)}`))) {
    lines.push(`K ${key.path.toUpperCase()}`);
    for (const v of key.values()) {
      lines.push(`V ${key.path.toUpperCase()}\t${v.name}\t${v.type}\t${v.data().toString("hex")}`);
    }
  }
  return lines.sort();
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Perl prints names with characters above U+00FF as UTF-8 and the rest as raw Latin-1 bytes. */
function splitLines(out: Buffer): string[] {
  const lines: string[] = [];
  let start = 0;
  while (start < out.length) {
    let end = out.indexOf(0x0a, start);
    if (end < 0) end = out.length;
    const raw = out.subarray(start, end > start && out[end - 1] === 0x0d ? end - 1 : end);
    let text: string;
    try {
      text = strictUtf8.decode(raw);
    } catch {
      text = raw.toString("latin1");
    }
    lines.push(text);
    start = end + 1;
  }
  return lines;
}

/** The corpus's real hives (xz-compressed), decompressed once into the fixtures cache. */
const shared =
  [process.env.AMIGATE_SHARED, SHARED, path.resolve(REPO_ROOT, "../../shared")].find(
    (p): p is string => p !== undefined && existsSync(path.join(p, "corpus")),
  ) ?? SHARED;
/** ../shared beside the repo, or two levels up from a helper's worktree (/work/wt/<name>). */
export const CORPUS_HIVES = path.join(shared, "corpus/windows/registry");

export function corpusHivePath(name: string): string {
  const dir = path.join(
    process.env.AMIGATE_FIXTURES ?? path.join(os.homedir(), ".cache/amigate-fixtures"),
    "windows-hives",
  );
  const out = path.join(dir, name.replace(/\.xz$/, "").replace(/\//g, "_"));
  if (!existsSync(out)) {
    mkdirSync(dir, { recursive: true });
    const bytes = execFileSync("xz", ["-dc", path.join(CORPUS_HIVES, name)], { maxBuffer: 1 << 30 });
    writeFileSync(`${out}.tmp`, bytes);
    renameSync(`${out}.tmp`, out);
  }
  return out;
}

export function corpusHive(name: string): Buffer {
  return readFileSync(corpusHivePath(name));
}
