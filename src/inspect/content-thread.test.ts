import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import type { Worker } from "node:worker_threads";
import { gzipSync } from "node:zlib";
import { debianImage } from "../../test/support/trees.js";
import { openDiskImage } from "../container/disk/container.js";
import { partitionSource, readPartitionTable } from "../container/partition/table.js";
import { openExt4 } from "../fs/ext4/index.js";
import type { FileTree, HostExtents } from "../fs/filetree.js";
import { Image } from "../fs/image.js";
import { openNtfs } from "../fs/ntfs/index.js";
import { openFileByteSource } from "../io/file.js";
import { readHostRuns } from "../io/host-read.js";
import { threadNice } from "../io/thread-priority.js";
import { TarTree } from "../target/tar/tree.js";
import type { ContentFacts } from "./content.js";
import { WHOLE_READ } from "./content-host.js";
import { ContentThread } from "./content-workers.js";
import { FactStore, type InspectOptions } from "./context.js";
import { inspectorsByName } from "./registry.js";

// Secrets assembled at run time so the source holds no key-shaped literal.
const KEY = ["AKIA", "Q3EGRDUWX7", "Z2MHN4"].join("");
const GITHUB = ["ghp", "_", "Q7mZ2kT9vLw4nR8pYc3bHs5dJf1gK0aE", "a1B2"].join("");
const PEM = (label: string) =>
  [
    `-----BEGIN ${label}PRIVATE KEY-----`,
    ...Array.from({ length: 12 }, (_, i) => `${"MIIEpAIBAAKCAQEA".repeat(4)}${i}`.slice(0, 64)),
    `-----END ${label}PRIVATE KEY-----`,
    "",
  ].join("\n");

/** Lines of filler so the secret lands past the first pieces of a file read in pieces (> 256 KiB). */
const filler = (lines: number) => "INFO request served in 12 ms from cache\n".repeat(lines);

/** `text` as Windows writes "Unicode": UTF-16, little-endian unless said, with a byte order mark unless said. */
const utf16 = (text: string, { be = false, bom = true } = {}) => {
  const bytes = Buffer.from(`${bom ? "\uFEFF" : ""}${text}`, "utf16le");
  return be ? bytes.swap16() : bytes;
};

const planted: Record<string, string | { type: "file"; content: Buffer }> = {
  "/etc/app.conf": `aws_access_key_id = ${KEY}\ndb_password = "Tr0ub4dor&3-prod"\n`,
  "/etc/issue.net": "Welcome. This image also runs on Microsoft Azure.\n",
  "/etc/app/endpoints.conf": "url = https://ec2.eu-west-3.amazonaws.com/\n",
  "/root/.ssh/id_rsa": PEM("RSA "),
  "/srv/app/.env": `DATABASE_URL=postgres://app:s3cr3t-Pa55@db.internal/app\nGITHUB_TOKEN=${GITHUB}\n`,
  // Read in pieces: a token ~3 MiB in, and a key block whose lines straddle the 1 MiB pieces.
  "/var/log/app/big.log": `${filler(80_000)}token ${GITHUB}\n${filler(20_000)}${PEM("")}${filler(5)}`,
  // Past 8 MiB (the bound until 2026-12: larger text files were only listed as unknowns).
  "/var/log/app/huge.log": `${filler(230_000)}token ${GITHUB}\n`,
  // A library's settings: read for keys and tokens, not for its defaults.
  "/srv/app/node_modules/lib/package.json": '{"name":"lib","version":"1.0.0"}\n',
  "/srv/app/node_modules/lib/config.js": `module.exports = { password: "library-default-pw", token: "${GITHUB}" };\n`,
  // A script pip put outside site-packages (its RECORD says so): a library's too, known only once
  // the walk has found the RECORD, after the script may already have been read.
  "/opt/venv/lib/python3.11/site-packages/tool-1.0.dist-info/RECORD": "../../../bin/tool,sha256=x,1\n",
  "/opt/venv/bin/tool": 'password = "tool-default-pw"\nDSN = "postgres://tool:t00l-pw@db/tool"\n',
  // UTF-16 (PowerShell 5.1's `>` and Out-File write it): a NUL in every other byte, not a binary.
  "/srv/app/deploy.ps1": { type: "file", content: utf16(`$env:AWS_ACCESS_KEY_ID = "${KEY}"\r\n`) },
  // Without a byte order mark, past the 64 KiB read first to tell binaries.
  "/srv/app/nobom.txt": { type: "file", content: utf16(`${filler(1000)}token ${GITHUB}\n`, { bom: false }) },
  // Big-endian, read in 1 MiB pieces.
  "/var/log/app/unicode.log": {
    type: "file",
    content: utf16(`${filler(20_000)}token ${GITHUB}\n`, { be: true }),
  },
};

async function contentWith(
  contentThread: InspectOptions["contentThread"],
  contentThreads = 1,
): Promise<ContentFacts> {
  return new FactStore(debianImage(planted), inspectorsByName, { contentThread, contentThreads }).get(
    "content",
  );
}

const where = (list: Array<{ path: string; line: number }>) => list.map((m) => `${m.path}:${m.line}`);

/** A temporary directory holding `planted` under root/, removed after the suite. */
function plantedDirectory(prefix: string): { dir: string; root: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const root = path.join(dir, "root");
  for (const [file, text] of Object.entries(planted)) {
    mkdirSync(path.join(root, path.dirname(file)), { recursive: true });
    writeFileSync(path.join(root, file), typeof text === "string" ? text : text.content);
  }
  return { dir, root };
}

/** What the pass must find in `planted`, wherever it reads it from. */
function assertPlanted(facts: ContentFacts, extraSecrets: string[] = []): void {
  assert.deepEqual(
    where(facts.secrets),
    [
      "/etc/app.conf:1",
      "/srv/app/.env:2",
      "/srv/app/node_modules/lib/config.js:1",
      "/var/log/app/big.log:80001",
      "/var/log/app/huge.log:230001",
      "/srv/app/deploy.ps1:1",
      "/srv/app/nobom.txt:1001",
      "/var/log/app/unicode.log:20001",
      ...extraSecrets,
    ].sort(),
  );
  assert.deepEqual(where(facts.privateKeys), ["/root/.ssh/id_rsa:1", "/var/log/app/big.log:100002"]);
  assert.deepEqual(where(facts.configCredentials), ["/etc/app.conf:2"]);
  assert.deepEqual(where(facts.urlCredentials), ["/srv/app/.env:1"]);
  assert.deepEqual(where(facts.endpoints), ["/etc/app/endpoints.conf:1"]);
  assert.deepEqual(where(facts.cloudMentions), ["/etc/issue.net:1"]);
  assert.ok(facts.stats.scannedBytes > 13_000_000);
  assert.equal(facts.stats.tooLargeFiles, 0);
  // lib/package.json, lib/config.js, tool's RECORD and the script it lists.
  assert.equal(facts.stats.languagePackageFiles, 4);
}

/**
 * The content pass on `tree`, on the main thread and then in two threads reading the host file:
 * both must find the same. Every file the tree maps must hold readFile's bytes there, by number
 * as by path. Returns what was found and which paths the threads were given to read.
 */
async function threadsAgree(
  tree: FileTree,
): Promise<{ here: ContentFacts; mapped: string[]; fds: Set<number> }> {
  const mapped: string[] = [];
  const fds = new Set<number>();
  const hostExtents = tree.hostExtents!.bind(tree);
  tree.hostExtents = async (p: string, ino?: number) => {
    const extents = await hostExtents(p, ino);
    assert.deepEqual(extents, await hostExtents(p), `${p} by number and by path`);
    if (extents) {
      const bytes = Buffer.alloc(extents.size);
      readHostRuns(extents.fd, extents.runs, 0, bytes, p, extents.packed);
      assert.ok(bytes.equals(await tree.readFile(p, { maxBytes: extents.size })), p);
      mapped.push(p);
      fds.add(extents.fd);
    }
    return extents;
  };
  const image = new Image(tree);
  const content = (contentThread: InspectOptions["contentThread"]) =>
    new FactStore(image, inspectorsByName, { contentThread, contentThreads: 2 }).get("content");
  const here = await content("off");
  assert.equal(mapped.length, 0, "the main thread reads through the tree");
  assert.deepEqual(await content("always"), here);
  return { here, mapped, fds };
}

describe("the content thread", () => {
  it("finds exactly what the pass finds on the main thread: matches, lines, stats", async () => {
    const here = await contentWith("off");
    const thread = await contentWith("always");
    assert.deepEqual(thread, here);
    // Two threads share the files (a file read in pieces stays with one): the same facts again.
    assert.deepEqual(await contentWith("always", 2), here);
    // And what it found is the planted content, not two empty results.
    assertPlanted(here);
  });

  it("reads large text files in pieces, never whole (the bound is 256 MiB: memory must not be)", async () => {
    const image = debianImage(planted);
    const whole: Array<{ path: string; maxBytes: number }> = [];
    const readFile = image.tree.readFile.bind(image.tree);
    image.tree.readFile = (p, options) => {
      whole.push({ path: p, maxBytes: options.maxBytes });
      return readFile(p, options);
    };
    const facts = await new FactStore(image, inspectorsByName, { contentThread: "off" }).get("content");
    assertPlanted(facts);
    // Small files are read whole, into the pass's own buffers; the 4 MB and 9.4 MB logs never are.
    assert.ok(whole.some((r) => r.path === "/etc/app.conf" && r.maxBytes <= WHOLE_READ));
    assert.deepEqual(
      whole.filter((r) => r.path.startsWith("/var/log/app/")),
      [],
    );
  });

  describe("reading files itself from an ext4 partition of a raw disk", () => {
    const { dir, root } = plantedDirectory("amigate-host-content-");
    // A sparse text file: 9 KiB of text, a 2 MiB hole (zeros, read without reading the disk), a token.
    const sparse = openSync(path.join(root, "srv/app/sparse.log"), "w");
    writeSync(sparse, filler(240));
    writeSync(sparse, `token ${GITHUB}\n`, 2 * 1024 * 1024);
    closeSync(sparse);
    // GPT, one partition at 1 MiB; ext4 with inline data, so the smallest files stay in their inodes.
    const disk = path.join(dir, "disk.raw");
    execFileSync("truncate", ["-s", "36M", disk]);
    execFileSync("sgdisk", ["-n", "1:2048:+32M", disk], { stdio: "ignore" });
    execFileSync("mkfs.ext4", [
      "-q",
      "-F",
      "-O",
      "inline_data",
      "-E",
      "offset=1048576",
      "-d",
      root,
      disk,
      "32M",
    ]);

    async function withDisk<T>(body: (image: Image, mapped: string[]) => Promise<T>): Promise<T> {
      const source = await openFileByteSource(disk);
      try {
        const table = await readPartitionTable(source);
        const tree = await openExt4(partitionSource(source, table.partitions[0]!));
        // Which files the pass found host extents for (and so left to the content thread).
        const mapped: string[] = [];
        const hostExtents = tree.hostExtents!.bind(tree);
        tree.hostExtents = async (p: string, ino?: number) => {
          // The walk's inode number comes with the path, and it is that path's.
          if (ino !== undefined) assert.equal(ino, (await tree.lstat(p)).ino, p);
          const extents = await hostExtents(p, ino);
          assert.deepEqual(extents, await hostExtents(p), `${p} by number and by path`);
          if (extents) mapped.push(ino === undefined ? p : `${p} #${ino}`);
          return extents;
        };
        return await body(new Image(tree), mapped);
      } finally {
        await source.close();
      }
    }

    it("maps files to the disk file's bytes: past the partition's start, holes as -1, inline data not", () =>
      withDisk(async (image) => {
        const extents = (await image.tree.hostExtents!("/srv/app/sparse.log")) as HostExtents;
        assert.equal(extents.size, 2 * 1024 * 1024 + `token ${GITHUB}\n`.length);
        assert.equal(
          extents.runs.filter((_, i) => i % 2 === 1).reduce((a, b) => a + b, 0),
          extents.size,
        );
        assert.ok(extents.runs.includes(-1), "the hole is a run of zeros");
        for (let i = 0; i < extents.runs.length; i += 2)
          if (extents.runs[i] !== -1) assert.ok(extents.runs[i]! >= 1024 * 1024, "inside the partition");
        assert.equal(await image.tree.hostExtents!("/etc/issue.net"), undefined);
        // A number that is not a regular file's is refused as the path would be.
        const dirIno = (await image.tree.lstat("/srv/app")).ino;
        await assert.rejects(async () => image.tree.hostExtents!("/srv/app", dirIno), { code: "EISDIR" });
      }));

    it("finds exactly what the main thread finds, with one thread and with two", () =>
      withDisk(async (image, mapped) => {
        const content = (contentThread: InspectOptions["contentThread"], contentThreads = 1) =>
          new FactStore(image, inspectorsByName, { contentThread, contentThreads }).get("content");
        const here = await content("off");
        assert.equal(mapped.length, 0, "the main thread reads through the tree");
        assert.deepEqual(await content("always"), here);
        const paths = mapped.map((m) => m.replace(/ #\d+$/, ""));
        assert.ok(paths.includes("/var/log/app/big.log") && paths.includes("/srv/app/sparse.log"));
        assert.ok(!paths.includes("/etc/issue.net"), "inline data is read by the main thread");
        assert.ok(
          mapped.every((m) => / #\d+$/.test(m)),
          "found by the walk's inode numbers",
        );
        assert.deepEqual(await content("always", 2), here);
        assertPlanted(here, ["/srv/app/sparse.log:241"]);
      }));
  });

  describe("reading files itself from the clusters of a qcow2 disk", () => {
    const { dir, root } = plantedDirectory("amigate-qcow2-content-");
    const raw = path.join(dir, "disk.raw");
    execFileSync("truncate", ["-s", "36M", raw]);
    execFileSync("sgdisk", ["-n", "1:2048:+32M", raw], { stdio: "ignore" });
    execFileSync("mkfs.ext4", ["-q", "-F", "-E", "offset=1048576", "-d", root, raw, "32M"]);
    // 4 KiB clusters: a file of several clusters lies in runs that are not one extent of the file.
    // Compressed, the clusters and the VMDK's grains are inflated by the thread itself.
    const images: Array<[string, string[]]> = [
      ["disk.qcow2", ["-O", "qcow2", "-o", "cluster_size=4096"]],
      ["disk-compressed.qcow2", ["-c", "-O", "qcow2", "-o", "cluster_size=4096"]],
      ["disk-stream.vmdk", ["-O", "vmdk", "-o", "subformat=streamOptimized"]],
    ];
    for (const [name, convert] of images) {
      const image = path.join(dir, name);
      execFileSync("qemu-img", ["convert", "-q", "-f", "raw", ...convert, raw, image]);
      it(`${name}: finds exactly what the main thread finds, the threads reading the image file`, async () => {
        const disk = await openDiskImage(image);
        try {
          assert.ok(disk.source.hostMap && !disk.source.hostFile);
          const table = await readPartitionTable(disk.source);
          const tree = await openExt4(partitionSource(disk.source, table.partitions[0]!));
          const { here, mapped, fds } = await threadsAgree(tree);
          assert.deepEqual([...fds], [disk.source.hostMap!.fd]);
          assert.ok(mapped.includes("/var/log/app/huge.log") && mapped.includes("/etc/app.conf"));
          const extents = await tree.hostExtents!("/etc/app.conf");
          const packed = extents?.packed !== undefined && extents.runs.some((at) => at <= -2);
          assert.equal(packed, name !== "disk.qcow2", "compressed units are read as packed runs");
          assertPlanted(here);
        } finally {
          await disk.source.close();
        }
      });
    }
  });

  describe("reading files itself from an NTFS partition of a raw disk", () => {
    const { dir, root } = plantedDirectory("amigate-ntfs-content-");
    // mkntfs on a file, the tree copied in through an ntfs-3g mount, then GPT with it at 1 MiB.
    const volume = path.join(dir, "ntfs.raw");
    const mnt = path.join(dir, "mnt");
    mkdirSync(mnt);
    execFileSync("truncate", ["-s", "32M", volume]);
    execFileSync("mkntfs", ["-q", "-F", "-f", "-s", "512", "-c", "4096", volume], { stdio: "ignore" });
    execFileSync("ntfs-3g", [volume, mnt]);
    try {
      execFileSync("cp", ["-r", `${root}/.`, mnt]);
    } finally {
      execFileSync("umount", [mnt]);
    }
    const disk = path.join(dir, "disk.raw");
    execFileSync("truncate", ["-s", "34M", disk]);
    execFileSync("sgdisk", ["-n", "1:2048:+32M", "-t", "1:0700", disk], { stdio: "ignore" });
    execFileSync("dd", [
      `if=${volume}`,
      `of=${disk}`,
      "bs=1M",
      "seek=1",
      "conv=notrunc,sparse",
      "status=none",
    ]);

    it("finds exactly what the main thread finds, the threads reading the disk's clusters", async () => {
      const source = await openFileByteSource(disk);
      try {
        const table = await readPartitionTable(source);
        const tree = await openNtfs(partitionSource(source, table.partitions[0]!));
        const { here, mapped } = await threadsAgree(tree);
        assert.ok(mapped.includes("/var/log/app/huge.log") && mapped.includes("/root/.ssh/id_rsa"));
        assert.ok(
          !mapped.includes("/etc/issue.net"),
          "a file inside its MFT record is read by the main thread",
        );
        assertPlanted(here);
      } finally {
        await source.close();
      }
    });
  });

  describe("reading files itself from a tar archive, plain and compressed", () => {
    const { dir, root } = plantedDirectory("amigate-tar-content-");
    execFileSync("tar", ["-cf", path.join(dir, "root.tar"), "-C", root, "."]);
    execFileSync("zstd", ["-q", "-k", path.join(dir, "root.tar")]);

    for (const name of ["root.tar", "root.tar.zst"])
      it(`${name}: finds exactly what the main thread finds, the threads reading the archive's bytes`, async () => {
        const tree = await TarTree.open(path.join(dir, name));
        try {
          const { here, mapped } = await threadsAgree(tree);
          assert.ok(mapped.includes("/var/log/app/huge.log") && mapped.includes("/etc/app.conf"));
          assertPlanted(here);
        } finally {
          await tree.close();
        }
      });
  });

  it("files queued by many readers at once all reach the thread whole, in batches filled to the edge", async () => {
    // Eight readers, as the pass runs them, queue whole files and pieces of sizes that fill and
    // overflow batches: one reader finding room in a batch must still have it when it copies.
    const thread = new ContentThread();
    const expected: string[] = [];
    const sizes = [200_000, 900_000, 1_048_000, 30_000, 700_000, 1_048_576, 5_000, 400_000];
    await Promise.all(
      Array.from({ length: 8 }, async (_, reader) => {
        for (let n = 0; n < 12; n++) {
          const size = sizes[(reader + n) % sizes.length]!;
          const lines = Math.floor(size / 40) - 1;
          const path = `/var/log/r${reader}/f${n}.log`;
          const text = Buffer.from(`${filler(lines)}token ${GITHUB}\n`);
          expected.push(`${path}:${lines + 1}`);
          if (text.length <= 256 * 1024) await thread.file(path, true, text);
          else {
            const id = reader * 100 + n;
            for (let at = 0; at < text.length; at += 300_000)
              await thread.piece(id, path, true, text.subarray(at, at + 300_000), false);
            await thread.piece(id, path, true, Buffer.alloc(0), true);
          }
        }
      }),
    );
    const { sink, unknowns } = await thread.finish();
    thread.stop();
    assert.deepEqual(unknowns, []);
    assert.deepEqual(where(sink.secrets).sort(), expected.sort());
  });

  it("reports files it reads itself as read once it has read them, an archive's once opened", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "amigate-progress-thread-"));
    const files: Array<[string, Buffer]> = [
      ["/etc/app.conf", Buffer.from(`aws_access_key_id = ${KEY}\n`)],
      ["/var/log/app.log", Buffer.from(filler(2000))],
      ["/var/log/app.log.1.gz", gzipSync(Buffer.from(`token ${GITHUB}\n`))],
    ];
    const fds: number[] = [];
    let reported = 0;
    const archives: string[] = [];
    const thread = new ContentThread(
      (job) => archives.push(`${job.path} ${job.size}`),
      (bytes) => {
        reported += bytes;
      },
    );
    try {
      for (const [name, bytes] of files) {
        const file = path.join(dir, path.basename(name));
        writeFileSync(file, bytes);
        const fd = openSync(file, "r");
        fds.push(fd);
        await thread.read({
          path: name,
          configuration: true,
          extents: { fd, size: bytes.length, runs: [0, bytes.length] },
        });
      }
      assert.equal(reported, 0, "queued is not read");
      await thread.settleReads();
      const archive = files[2]![1].length;
      const all = files.reduce((n, [, b]) => n + b.length, 0);
      assert.deepEqual(archives, [`/var/log/app.log.1.gz ${archive}`]);
      assert.equal(reported, all - archive, "read, less the archive its opener reports");
      const { sink } = await thread.finish();
      assert.deepEqual(
        sink.secrets.map((m) => `${m.path}:${m.line}`),
        ["/etc/app.conf:1"],
      );
    } finally {
      thread.stop();
      for (const fd of fds) closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("runs below the main thread's priority (Linux keeps a nice value per thread)", {
    skip: process.platform !== "linux",
  }, async () => {
    const main = threadNice("self");
    assert.notEqual(main, undefined);
    const below = () =>
      readdirSync("/proc/self/task").filter((tid) => (threadNice(Number(tid)) ?? main!) > main!);
    const before = new Set(below());
    const thread = new ContentThread();
    await thread.file("/etc/app.conf", true, Buffer.from(`aws_access_key_id = ${KEY}\n`));
    const { sink } = await thread.finish();
    const started = below().filter((tid) => !before.has(tid));
    thread.stop();
    assert.equal(sink.secrets.length, 1);
    assert.equal(started.length, 1, `threads below the main thread's priority: ${started.length}`);
    assert.equal(threadNice(Number(started[0])), Math.min(19, main! + 10));
  });

  it("a worker that dies fails the pass instead of returning what it had", async () => {
    const thread = new ContentThread();
    await thread.file("/etc/app.conf", true, Buffer.from(`aws_access_key_id = ${KEY}\n`));
    await (thread as unknown as { worker: Worker }).worker.terminate();
    await assert.rejects(thread.finish(), /content scan worker exited/);
    await assert.rejects(thread.file("/etc/more.conf", true, Buffer.from("x\n")), /exited/);
    thread.stop();
  });
});
