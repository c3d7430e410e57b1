/**
 * An NTFS volume holding files compressed by WOF ("compact /exe", CompactOS), made from real parts:
 * wimlib compresses each file (a WIM resource is laid out as WOF's WofCompressedData stream: a
 * chunk table, then chunks compressed one by one), ntfs-3g writes it into a volume as that stream,
 * with the file's unnamed $DATA sparse at its size and the WOF reparse point (tag 0x80000017,
 * provider FILE, algorithm). libfsntfs, an NTFS reader of its own with WOF support, reads them back
 * as the originals (src/fs/ntfs/wof.test.ts). Windows/System32 makes it a Windows root to scan.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

export const WOF_KEYS =
  "aws_access_key_id = AKIAQ3EGTYBWVMNXR4PL\naws_secret_access_key = 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\n";
const words = ["alpha", "beta", "server", "config", "value", "token", "region", "bucket", "deploy"];
const prose = (lines: number, seed: number) =>
  Array.from({ length: lines }, (_, i) =>
    Array.from({ length: 8 }, (_, j) => words[(i * 7 + j * 3 + seed) % words.length]).join(" "),
  ).join("\n");

/** FILE_PROVIDER_COMPRESSION_* of each file in /app, and the compression and chunk size wimlib is given. */
export const WOF_FILES = [
  ["settings", 0, "XPRESS", 4096],
  ["mixed", 3, "XPRESS", 16384],
  ["lzx", 1, "LZX", 32768],
  ["program", 1, "LZX", 32768],
] as const;

export type WofFile = (typeof WOF_FILES)[number][0];

export interface WofVolume {
  /** The NTFS volume file. */
  volume: string;
  /** /app/NAME.txt's bytes. */
  originals: Record<WofFile, Buffer>;
}

/** wimlib's compressed resource of `data`: the bytes WOF keeps in WofCompressedData. */
function wimResource(work: string, name: string, data: Buffer, compress: string, chunk: number): Buffer {
  const dir = path.join(work, `src-${name}`);
  mkdirSync(dir);
  writeFileSync(path.join(dir, "f"), data);
  const wim = path.join(work, `${name}.wim`);
  execFileSync("wimcapture", [dir, wim, `--compress=${compress}`, `--chunk-size=${chunk}`], {
    stdio: "ignore",
  });
  const blobs = execFileSync("wiminfo", [wim, "--blobs"], { encoding: "utf8" }).split("\n\n");
  const blob = blobs.find((b) => new RegExp(`Uncompressed size = ${data.length} bytes`).test(b));
  const field = (re: RegExp) => Number(re.exec(blob ?? "")?.[1]);
  const offset = field(/Offset in WIM\s+= (\d+)/);
  const stored = field(/Compressed size\s+= (\d+)/);
  assert.ok(stored > 0 && stored < data.length, `wimlib compressed ${name}: ${blob}`);
  return readFileSync(wim).subarray(offset, offset + stored);
}

const reparse = (tag: number, body: Buffer) => {
  const head = Buffer.alloc(8);
  head.writeUInt32LE(tag, 0);
  head.writeUInt16LE(body.length, 4);
  return `0x${Buffer.concat([head, body]).toString("hex")}`;
};
const wofBody = (provider: number, algorithm: number) => {
  const b = Buffer.alloc(16);
  b.writeUInt32LE(1, 0);
  b.writeUInt32LE(provider, 4);
  b.writeUInt32LE(1, 8);
  b.writeUInt32LE(algorithm, 12);
  return b;
};

/**
 * Builds the volume in `work` (a fresh folder): /app/settings.txt (XPRESS4K, text over eight
 * chunks with cloud keys in the sixth), mixed.txt (XPRESS16K: text, random bytes kept as they are,
 * keys), lzx.txt (LZX: text and keys), program.txt (LZX: 90,000 bytes of /usr/bin/bash); broken.txt (a chunk offset past its stream), dedup.txt (the deduplication
 * tag) and wimboot.txt (WOF's WIM provider).
 */
export function buildWofVolume(work: string): WofVolume {
  const originals: Record<WofFile, Buffer> = {
    settings: Buffer.from(`${prose(400, 1)}\n${WOF_KEYS}${prose(200, 2)}\n`),
    mixed: Buffer.concat([Buffer.from(prose(500, 3)), randomBytes(20000), Buffer.from(`\n${WOF_KEYS}`)]),
    lzx: Buffer.from(`${prose(300, 4)}\n${WOF_KEYS}`),
    // Machine code, whose E8 call targets LZX's compressor makes absolute: 3 chunks of a program.
    program: readFileSync("/usr/bin/bash").subarray(65536, 65536 + 90000),
  };
  const volume = path.join(work, "wof.ntfs");
  const mnt = path.join(work, "mnt");
  mkdirSync(mnt);
  execFileSync("truncate", ["-s", "16M", volume]);
  execFileSync("mkntfs", ["-q", "-F", "-Q", volume], { stdio: "ignore" });
  const resources = Object.fromEntries(
    WOF_FILES.map(([n, , c, s]) => [n, wimResource(work, n, originals[n], c, s)]),
  ) as Record<WofFile, Buffer>;
  execFileSync("ntfs-3g", [volume, mnt]);
  try {
    mkdirSync(path.join(mnt, "app"));
    mkdirSync(path.join(mnt, "Windows/System32"), { recursive: true });
    const setWof = (file: string, size: number, stream: Buffer, tag: string) => {
      const p = path.join(mnt, "app", file);
      writeFileSync(p, "");
      execFileSync("truncate", ["-s", String(size), p]); // sparse: ntfs-3g allocates nothing
      execFileSync("setfattr", ["-n", "user.WofCompressedData", "-v", `0x${stream.toString("hex")}`, p]);
      execFileSync("setfattr", ["-n", "system.ntfs_reparse_data", "-v", tag, p]);
    };
    for (const [name, algorithm] of WOF_FILES)
      setWof(
        `${name}.txt`,
        originals[name].length,
        resources[name],
        reparse(0x80000017, wofBody(2, algorithm)),
      );
    const broken = Buffer.from(resources.settings);
    broken.writeUInt32LE(0x7fffffff, 8);
    const size = originals.settings.length;
    setWof("broken.txt", size, broken, reparse(0x80000017, wofBody(2, 0)));
    setWof("dedup.txt", size, resources.settings, reparse(0x80000013, Buffer.alloc(16)));
    setWof("wimboot.txt", size, resources.settings, reparse(0x80000017, wofBody(1, 0)));
  } finally {
    execFileSync("umount", [mnt]);
  }
  return { volume, originals };
}
