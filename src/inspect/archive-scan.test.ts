import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  createReadStream,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { FsError } from "../io/errors.js";
import { archiveFormatOf, decompressedName, isArchiveMember, memberPath } from "./archive-formats.js";
import {
  type ArchiveLimits,
  type ArchiveSink,
  DEFAULT_ARCHIVE_LIMITS,
  scanArchiveFile,
} from "./archive-scan.js";

/** Archives made by the real tools (tar, gzip, xz, zstd, zip, bzip2) in a temporary folder. */
let dir: string;
const sh = (cmd: string) =>
  execFileSync("bash", ["-euo", "pipefail", "-c", cmd], { cwd: dir, stdio: "pipe" });

interface Seen {
  texts: Map<string, string>;
  unknowns: Array<{ path: string; error: string }>;
  missed: Array<{ path: string; error: unknown }>;
  archives: number;
}

/** Scans `file`; with `failAt`, reading the file fails there as an unreadable image block does. */
async function scan(file: string, limits: Partial<ArchiveLimits> = {}, failAt?: number): Promise<Seen> {
  const full = path.join(dir, file);
  const texts = new Map<string, string>();
  const seen: Seen = { texts, unknowns: [], missed: [], archives: 0 };
  const counts = { archives: 0, archiveMembers: 0, archiveMemberBytes: 0 };
  const sink: ArchiveSink = {
    text(p) {
      assert.ok(!texts.has(p), `${p} read twice`);
      const parts: Buffer[] = [];
      return {
        push: (d) => {
          parts.push(Buffer.from(d));
        },
        end: () => {
          texts.set(p, Buffer.concat(parts).toString("utf8"));
        },
      };
    },
    unknown: (p, e) => seen.unknowns.push({ path: p, error: e instanceof Error ? e.message : String(e) }),
    missed: (p, e) => seen.missed.push({ path: p, error: e }),
    counts,
  };
  const head = readFileSync(full).subarray(0, 8192);
  await scanArchiveFile(
    {
      path: `/${file}`,
      size: statSync(full).size,
      read: (start, end) =>
        failAt === undefined
          ? createReadStream(full, { start, end: end - 1 })
          : Readable.from(failingRead(full, start, Math.min(end, failAt)), { objectMode: false }),
    },
    head,
    sink,
    { ...DEFAULT_ARCHIVE_LIMITS, ...limits },
  );
  seen.archives = counts.archives;
  assert.equal(counts.archiveMembers, texts.size);
  return seen;
}

/** The bytes [start, end) of `file`, then EIO where the read was to go on. */
async function* failingRead(file: string, start: number, end: number): AsyncGenerator<Buffer> {
  if (end > start) yield readFileSync(file).subarray(start, end);
  throw new FsError("EIO", `/${path.basename(file)}`, `block unreadable at ${end}`);
}

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), "amigate-archives-"));
  mkdirSync(path.join(dir, "www/var/www"), { recursive: true });
  mkdirSync(path.join(dir, "www/usr/share/doc/app"), { recursive: true });
  writeFileSync(path.join(dir, "www/var/www/wp-config.php"), "<?php define('DB_PASSWORD', 'sw0rdfish');\n");
  writeFileSync(path.join(dir, "www/usr/share/doc/app/README"), "documentation\n");
  writeFileSync(path.join(dir, "www/var/www/logo.bin"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 1, 2]));
  writeFileSync(path.join(dir, "notes.txt"), "password=hunter2\n");
  // UTF-16LE with a byte order mark, as PowerShell 5.1 writes it.
  writeFileSync(
    path.join(dir, "deploy.ps1"),
    Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("$key='AKIA'\r\n", "utf16le")]),
  );
  sh(
    "tar -cf www.tar -C www . && gzip -kc www.tar > www.tar.gz && xz -kc www.tar > www.tar.xz && zstd -qc www.tar > www.tar.zst && bzip2 -kc www.tar > www.tar.bz2",
  );
  sh("gzip -c notes.txt > notes.txt.gz && bzip2 -c notes.txt > notes.txt.bz2");
  sh("zip -q plain.zip notes.txt deploy.ps1 && zip -q -0 stored.zip notes.txt");
  sh(
    "mkdir -p jar/com/acme && printf 'CAFEBABE' > jar/com/acme/App.class && cp notes.txt jar/app.properties && cd jar && zip -q -r ../app.jar .",
  );
  // bzip2 (method 12) only where it saves space: a file of repeated lines.
  sh(
    "zip -q -P secret locked.zip notes.txt && seq 2000 | sed 's/^/password=/' > many.txt && zip -q -Z bzip2 bz.zip many.txt",
  );
  // Nesting: a tar holding a .tar.zst and a zip; a .tar.gz inside a .tar.gz.
  sh("tar -cf nested.tar www.tar.zst plain.zip notes.txt.gz");
  sh("tar -czf twice.tar.gz www.tar.gz");
  // A large binary member before a text one: the scan skips the binary's bytes and reads on.
  sh("head -c 3000000 /dev/urandom > big.bin && tar -czf binary-first.tgz big.bin notes.txt");
  // Damage: a tar.gz cut short (in its binary member); a tar whose second header is broken.
  sh("tar -czf text-first.tgz notes.txt big.bin && head -c 2000000 text-first.tgz > cut.tar.gz");
  sh("head -c $(( $(stat -c %s www.tar.gz) - 40 )) www.tar.gz > cut2.tar.gz");
  sh(
    "tar -cf two.tar notes.txt deploy.ps1 && cp two.tar broken.tar && printf 'XXXX' | dd of=broken.tar bs=1 seek=1100 conv=notrunc status=none",
  );
  // bzip2 that its program gives up on in its first block, while megabytes are still to be fed.
  sh(
    "tar -cf - big.bin notes.txt | bzip2 -c > big.tar.bz2 && cp big.tar.bz2 bad.tar.bz2 && printf 'XXXXXXXX' | dd of=bad.tar.bz2 bs=1 seek=5000 conv=notrunc status=none",
  );
  // A bomb: 64 MiB of zeros in a few kB.
  sh("head -c 67108864 /dev/zero | zstd -q -19 -c > zeros.zst");
  // A zip bomb of text: 64 MiB of one line repeated, 64 kB zipped, in 8 members.
  sh(
    "seq 8 | while read i; do head -c 8388608 /dev/zero | tr '\\0' a > a$i.txt; done && zip -q -9 bomb.zip a?.txt",
  );
});

after(() => {
  if (!process.env.KEEP_ARCHIVES) rmSync(dir, { recursive: true, force: true });
});

describe("archiveFormatOf", () => {
  it("tells archives and compressed files from their first bytes", () => {
    const head = (f: string) => readFileSync(path.join(dir, f)).subarray(0, 8192);
    assert.equal(archiveFormatOf(head("www.tar")), "tar");
    assert.equal(archiveFormatOf(head("www.tar.gz")), "gzip");
    assert.equal(archiveFormatOf(head("www.tar.xz")), "xz");
    assert.equal(archiveFormatOf(head("www.tar.zst")), "zstd");
    assert.equal(archiveFormatOf(head("plain.zip")), "zip");
    assert.equal(archiveFormatOf(head("notes.txt.bz2")), "bzip2");
    assert.equal(archiveFormatOf(head("notes.txt")), undefined);
    assert.equal(archiveFormatOf(head("big.bin").subarray(0, 0)), undefined);
    assert.equal(
      archiveFormatOf(Buffer.from("BZh9 is how a bzip2 file starts, said this text\n")),
      undefined,
    );
    // tar-stream's headers.js has "ustar" at byte 257: a tar header needs its checksum too.
    const source = Buffer.alloc(600, "x");
    source.write("ustar\0", 257, "latin1");
    assert.equal(archiveFormatOf(source), undefined);
  });

  it("names members and decompressed files", () => {
    assert.equal(memberPath("/root/a.tar", "./etc/x"), "/root/a.tar!/etc/x");
    assert.equal(memberPath("/root/a.zip", "/abs/y"), "/root/a.zip!/abs/y");
    assert.equal(decompressedName("/var/log/auth.log.2.gz"), "auth.log.2");
    assert.equal(decompressedName("/srv/site.tgz"), "site.tar");
    assert.equal(decompressedName("/srv/dump"), "content");
    assert.equal(isArchiveMember("/root/a.tar!/etc/x"), true);
    assert.equal(isArchiveMember("/etc/x"), false);
  });
});

describe("scanArchiveFile", () => {
  for (const file of ["www.tar", "www.tar.gz", "www.tar.xz", "www.tar.zst", "www.tar.bz2"]) {
    it(`reads the text members of ${file}, not its binaries or documentation`, async () => {
      const seen = await scan(file);
      assert.deepEqual([...seen.texts.keys()], [`/${file}!/var/www/wp-config.php`]);
      assert.match(seen.texts.get(`/${file}!/var/www/wp-config.php`)!, /sw0rdfish/);
      assert.deepEqual(seen.unknowns, []);
      assert.deepEqual(seen.missed, []);
      assert.equal(seen.archives, 1);
    });
  }

  it("reads a compressed text file as the file it decompresses to", async () => {
    for (const file of ["notes.txt.gz", "notes.txt.bz2"]) {
      const seen = await scan(file);
      assert.deepEqual([...seen.texts], [[`/${file}!/notes.txt`, "password=hunter2\n"]]);
    }
  });

  it("reads zip members, deflated, stored and UTF-16", async () => {
    const plain = await scan("plain.zip");
    assert.equal(plain.texts.get("/plain.zip!/notes.txt"), "password=hunter2\n");
    assert.equal(plain.texts.get("/plain.zip!/deploy.ps1"), "$key='AKIA'\r\n");
    // A jar: its properties are read, its classes passed over unopened (binaries to the pass).
    const jar = await scan("app.jar");
    assert.deepEqual([...jar.texts.keys()], ["/app.jar!/app.properties"]);
    const stored = await scan("stored.zip");
    assert.equal(stored.texts.get("/stored.zip!/notes.txt"), "password=hunter2\n");
  });

  it("names what it cannot open, without calling it a gap", async () => {
    const locked = await scan("locked.zip");
    assert.deepEqual(locked.texts.size, 0);
    assert.match(locked.unknowns[0]!.error, /encrypted zip member/);
    assert.equal(locked.unknowns[0]!.path, "/locked.zip!/notes.txt");
    const bz = await scan("bz.zip");
    assert.match(bz.unknowns[0]!.error, /method 12/);
    for (const s of [locked, bz]) assert.deepEqual(s.missed, []);
  });

  it("opens archives inside archives, to the nesting bound", async () => {
    const seen = await scan("nested.tar");
    assert.deepEqual([...seen.texts.keys()].sort(), [
      "/nested.tar!/notes.txt.gz!/notes.txt",
      "/nested.tar!/plain.zip!/deploy.ps1",
      "/nested.tar!/plain.zip!/notes.txt",
      "/nested.tar!/www.tar.zst!/var/www/wp-config.php",
    ]);
    const twice = await scan("twice.tar.gz");
    assert.deepEqual([...twice.texts.keys()], ["/twice.tar.gz!/www.tar.gz!/var/www/wp-config.php"]);
    const bounded = await scan("twice.tar.gz", { maxNesting: 3 });
    assert.equal(bounded.texts.size, 0);
    assert.deepEqual(
      bounded.unknowns.map((u) => u.path),
      ["/twice.tar.gz!/www.tar.gz"],
    );
    assert.match(bounded.unknowns[0]!.error, /nested past 3 levels/);
  });

  it("passes over a binary member's bytes and reads the members after it", async () => {
    const seen = await scan("binary-first.tgz");
    assert.deepEqual([...seen.texts], [["/binary-first.tgz!/notes.txt", "password=hunter2\n"]]);
    assert.deepEqual(seen.missed, []);
  });

  it("lists a damaged or truncated archive as an unknown, keeping what it read before the damage", async () => {
    const cut = await scan("cut.tar.gz");
    assert.deepEqual(cut.missed, []);
    assert.deepEqual(
      cut.unknowns.map((u) => u.path),
      ["/cut.tar.gz"],
    );
    assert.match(cut.unknowns[0]!.error, /gzip stream at offset \d+: valid compressed data/);
    assert.equal(cut.texts.get("/cut.tar.gz!/notes.txt"), "password=hunter2\n");
    const cut2 = await scan("cut2.tar.gz");
    // zlib gives nothing of a stream it cannot finish inside its first output chunk.
    assert.deepEqual([cut2.texts.size, cut2.unknowns.length, cut2.missed.length], [0, 1, 0]);
    const broken = await scan("broken.tar");
    assert.deepEqual(broken.missed, []);
    assert.match(broken.unknowns[0]!.error, /tar header at offset 1024/);
    assert.equal(broken.texts.get("/broken.tar!/notes.txt"), "password=hunter2\n");
  });

  it("ends when the bzip2 program stops early with input left to feed (its pipe closed first)", async () => {
    const seen = await scan("bad.tar.bz2");
    assert.deepEqual(seen.missed, []);
    assert.match(seen.unknowns[0]!.error, /bzip2 stream: valid compressed data \(bzip2: /);
    const whole = await scan("big.tar.bz2");
    assert.equal(whole.texts.get("/big.tar.bz2!/notes.txt"), "password=hunter2\n");
  });

  it("fails closed where the image's own bytes could not be read", async () => {
    for (const file of ["www.tar.gz", "plain.zip", "nested.tar"]) {
      const seen = await scan(file, {}, 200);
      assert.equal(seen.missed.length, 1, `${file}: ${JSON.stringify(seen)}`);
      assert.equal(seen.missed[0]!.path, `/${file}`);
      assert.ok(seen.missed[0]!.error instanceof FsError, `${file}: ${String(seen.missed[0]!.error)}`);
      assert.deepEqual(seen.unknowns, [], file);
    }
  });

  it("stops a decompression bomb and the byte bound, listing what was left", async () => {
    const bomb = await scan("zeros.zst", { inflate: { maxRatio: 100, minBytes: 1024 * 1024 } });
    assert.deepEqual(bomb.missed, []);
    assert.match(bomb.unknowns[0]!.error, /decompression bomb/);
    const zipBomb = await scan("bomb.zip", { inflate: { maxRatio: 100, minBytes: 1024 * 1024 } });
    assert.deepEqual(
      zipBomb.unknowns.map((u) => u.path),
      ["/bomb.zip"],
    );
    assert.match(zipBomb.unknowns[0]!.error, /decompression bomb/);
    // The bound ends the archive: the members after it are not each tried.
    assert.ok(zipBomb.texts.size <= 1, `members read: ${zipBomb.texts.size}`);
    const bounded = await scan("www.tar.gz", { maxBytes: 4096 });
    assert.deepEqual(bounded.missed, []);
    assert.equal(bounded.unknowns.length, 1);
    assert.equal(bounded.unknowns[0]!.path, "/www.tar.gz");
    assert.match(bounded.unknowns[0]!.error, /^EFBIG: .*bound of 4096 bytes/);
  });

  it("ends every mutated archive in text, unknowns or gaps: never a throw, never a hang", async () => {
    // A fixed seed: the same 420 mutants on every run (xorshift32).
    let state = 0x2107;
    const next = () => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) / 2 ** 32;
    };
    const sources = [
      "www.tar.gz",
      "plain.zip",
      "nested.tar",
      "twice.tar.gz",
      "www.tar.zst",
      "www.tar.xz",
      "www.tar.bz2",
    ];
    for (let i = 0; i < 420; i++) {
      const source = sources[i % sources.length]!;
      const bytes = Buffer.from(readFileSync(path.join(dir, source)));
      for (let flips = 1 + Math.floor(next() * 4); flips > 0; flips--)
        bytes[Math.floor(next() * bytes.length)] = Math.floor(next() * 256);
      const name = `mutant-${i}-${source}`;
      writeFileSync(path.join(dir, name), bytes);
      let timer: NodeJS.Timeout | undefined;
      const hang = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${name}: no end after 5 s`)), 5000);
      });
      try {
        const seen = await Promise.race([scan(name), hang]);
        // A mutant of a readable file is never the image's bytes unread.
        assert.deepEqual(seen.missed, [], name);
      } finally {
        clearTimeout(timer);
        rmSync(path.join(dir, name));
      }
    }
  });

  it("reads a member's text to the member bound", async () => {
    const seen = await scan("notes.txt.gz", { maxMemberBytes: 4 });
    assert.equal(seen.texts.get("/notes.txt.gz!/notes.txt"), "");
    assert.match(seen.unknowns[0]!.error, /past 4 bytes/);
  });
});
