import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { extract } from "tar-stream";
import { programOnPath } from "../../target/tar/decompress.js";
import { DEFAULT_FIX_OPTIONS } from "../operation.js";
import { selectOperations } from "../planner.js";
import { runFix } from "../run.js";
import { decompressFile, detectCompression } from "./compression.js";
import { readTar } from "./tar-records.js";

const HASH =
  "$6$amigatesalt$0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ./0123456789abcdefghijklmnopqr";
const LONG_DIR = `var/lib/${"very-long-directory-name-".repeat(6)}end`;

interface Seen {
  header: Record<string, unknown>;
  content: string;
}

/** Entries as tar-stream parses them: header fields (pax included) and content. */
async function entries(file: string): Promise<Map<string, Seen>> {
  const out = new Map<string, Seen>();
  const ex = extract();
  const stream = decompressFile(file, detectCompression(readFileSync(file).subarray(0, 16)));
  const done = (async () => {
    for await (const entry of ex) {
      const parts: Buffer[] = [];
      for await (const c of entry) parts.push(c as Buffer);
      const { name, mode, uid, gid, mtime, type, linkname, pax, uname, gname } = entry.header;
      out.set(name.replace(/^\.\//, ""), {
        header: { mode, uid, gid, mtime: mtime?.getTime(), type, linkname, pax, uname, gname },
        content: Buffer.concat(parts).toString("latin1"),
      });
    }
  })();
  stream.pipe(ex);
  await done;
  return out;
}

/** Raw meta+header bytes of every entry, from the record reader. */
async function rawHeaders(file: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const stream = decompressFile(file, detectCompression(readFileSync(file).subarray(0, 16)));
  await readTar(stream, file, {
    entry: async (e) => {
      out.set(
        e.path,
        Buffer.concat([...e.meta.flatMap((m) => [m.header, m.data]), e.header]).toString("hex"),
      );
    },
    end: async () => {},
  });
  return out;
}

describe("fix: archive in, cleaned archive out", () => {
  let dir: string;
  let tree: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "amigate-fix-tar-"));
    tree = path.join(dir, "tree");
    const put = (rel: string, content: string, mode = 0o644) => {
      mkdirSync(path.dirname(path.join(tree, rel)), { recursive: true });
      writeFileSync(path.join(tree, rel), content, { mode });
    };
    put("etc/passwd", "root:x:0:0:root:/root:/bin/bash\nadmin:x:1000:1000::/home/admin:/bin/bash\n");
    put("etc/shadow", `root:${HASH}:20000::::::\nadmin:!:20000::::::\n`, 0o640);
    put("etc/shadow-", `root:${HASH}:20000::::::\n`, 0o600);
    linkSync(path.join(tree, "etc/shadow-"), path.join(tree, "etc/shadow.hardlink"));
    put("root/.bash_history", "aws configure\n", 0o600);
    put("home/admin/notes.txt", "keep me\n");
    linkSync(path.join(tree, "home/admin/notes.txt"), path.join(tree, "home/admin/notes-link.txt"));
    put(`${LONG_DIR}/data.bin`, "long path, pax header\n");
    put("var/log/app.log", "started\n");
    put("etc/machine-id", "0123456789abcdef0123456789abcdef\n", 0o444);
    symlinkSync("../usr/bin", path.join(tree, "bin"));
    execFileSync("chown", ["-R", "1000:1000", path.join(tree, "home/admin")]);
    execFileSync("tar", ["--format=pax", "--sort=name", "-C", tree, "-cf", path.join(dir, "image.tar"), "."]);
    execFileSync("gzip", ["-k", "-n", path.join(dir, "image.tar")]);
    execFileSync("zstd", ["-q", "-k", path.join(dir, "image.tar")]);
    // pzstd writes a skippable frame before each zstd frame: still zstd, in and out.
    if (programOnPath("pzstd"))
      execFileSync("bash", ["-c", `pzstd -q -p 2 -c ${dir}/image.tar > ${dir}/image.pzstd.tar.zst`]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const ext of ["tar.gz", "tar.zst", "tar", "pzstd.tar.zst"]) {
    const skip = ext === "pzstd.tar.zst" && !programOnPath("pzstd");
    it(`${ext}: unchanged entries are identical, changed ones are as planned, compressed like the input`, {
      skip,
    }, async () => {
      const input = path.join(dir, `image.${ext}`);
      const output = path.join(dir, `clean.${ext}`);
      const journalFile = path.join(dir, `journal-${ext}.jsonl`);
      const result = await runFix({
        input,
        apply: true,
        output,
        journal: journalFile,
        options: DEFAULT_FIX_OPTIONS,
        selected: selectOperations({}),
      });
      assert.equal(
        detectCompression(readFileSync(output).subarray(0, 16)),
        detectCompression(readFileSync(input).subarray(0, 16)),
      );
      const changed = new Set(result.plan.changes.map((c) => c.path.slice(1)));
      assert.deepEqual([...changed].sort(), [
        "etc/machine-id",
        "etc/shadow",
        "etc/shadow-",
        "root/.bash_history",
        "var/log/app.log",
      ]);
      assert.ok(result.outcomes.every((o) => o.status === "applied"));
      const journal = readFileSync(journalFile, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { path: string });
      assert.deepEqual(
        journal.map((j) => j.path),
        result.plan.changes.map((c) => c.path),
      );

      const before = await entries(input);
      const afterFix = await entries(output);
      const rawBefore = await rawHeaders(input);
      const rawAfter = await rawHeaders(output);
      for (const [name, entry] of before) {
        const key = name.replace(/\/$/, "");
        if (changed.has(key) || key === "etc/shadow.hardlink") continue;
        assert.deepEqual(afterFix.get(name), entry, `${name} differs`);
        assert.equal(
          rawAfter.get(`/${key}`.replace(/^\/$/, "/")),
          rawBefore.get(`/${key}`.replace(/^\/$/, "/")),
          `${name}: raw header bytes differ`,
        );
      }
      // Hard links kept (notes-link), the pax long name kept, ownership kept.
      // --sort=name stores notes-link.txt first, so notes.txt is the hard link.
      assert.equal(afterFix.get("home/admin/notes.txt")?.header.type, "link");
      assert.ok(afterFix.get(`${LONG_DIR}/data.bin`)?.header.pax, "pax header kept");
      assert.equal(afterFix.get("home/admin/notes-link.txt")?.header.uid, 1000);
      // Changed entries: truncated, edited, removed (with the hard link to the removed file).
      assert.equal(afterFix.get("root/.bash_history")?.content, "");
      assert.equal(afterFix.get("root/.bash_history")?.header.mode, 0o600);
      assert.equal(afterFix.get("var/log/app.log")?.content, "");
      assert.equal(afterFix.get("etc/machine-id")?.content, "");
      assert.match(afterFix.get("etc/shadow")?.content ?? "", /^root:!\$6\$/);
      assert.equal(afterFix.get("etc/shadow")?.header.mode, 0o640);
      assert.equal(afterFix.get("etc/shadow-"), undefined);
      // The hard link to the removed backup (stored after it, by name) goes with it.
      assert.equal(before.get("etc/shadow.hardlink")?.header.type, "link");
      assert.equal(afterFix.get("etc/shadow.hardlink"), undefined);
      // The re-scan of the cleaned archive.
      assert.deepEqual(
        result.rescan.findings.filter((f) => f.fix).map((f) => f.rule),
        [],
      );
      // GNU tar reads the output back.
      execFileSync("tar", ["-tf", output], { stdio: "ignore" });
    });
  }

  it("without -o the archive is only planned", async () => {
    const input = path.join(dir, "image.tar.gz");
    const before = readFileSync(input);
    const result = await runFix({
      input,
      apply: false,
      options: DEFAULT_FIX_OPTIONS,
      selected: selectOperations({}),
    });
    assert.ok(result.plan.changes.length > 0);
    assert.deepEqual(result.outcomes, []);
    assert.ok(readFileSync(input).equals(before));
  });
});

describe("fix reads a zstd archive whose window is past the program's default (--long=30)", () => {
  it("decompresses it as the scan does", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "amigate-fix-long-"));
    try {
      mkdirSync(path.join(dir, "root/etc"), { recursive: true });
      writeFileSync(path.join(dir, "root/etc/hostname"), "long\n");
      const archive = path.join(dir, "image.tar.zst");
      execFileSync("bash", ["-c", `tar -C '${dir}/root' -cf - . | zstd -q --long=30 > '${archive}'`]);
      const seen = await entries(archive);
      assert.equal(seen.get("etc/hostname")?.content, "long\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
