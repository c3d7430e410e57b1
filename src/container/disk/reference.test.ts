import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { ExternalReferenceError } from "../../io/errors.js";
import { openTarget } from "../../target/open.js";
import { openDiskImage } from "./container.js";
import { diskFixtures, hashFile, hashSource } from "./testing.js";

// Issue 13 §1: a disk image never reaches a file outside its own folder. Every crafted image here
// is made by this script; none is committed.
const fixtures = diskFixtures();
const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), "amigate-refs-"));
after(() => fsp.rm(tmp, { recursive: true, force: true }));

/** A folder holding a monolithicFlat-style descriptor whose one extent line names `extent`. */
async function descriptor(extent: string, sectors = 8): Promise<string> {
  const dir = await fsp.mkdtemp(path.join(tmp, "d-"));
  const text = `# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\ncreateType="monolithicFlat"\n\nRW ${sectors} FLAT "${extent}" 0\n`;
  await fsp.writeFile(path.join(dir, "disk.vmdk"), text);
  return dir;
}

async function refusal(file: string, policy?: "beside" | "none"): Promise<ExternalReferenceError> {
  const started = Date.now();
  try {
    const disk = await openDiskImage(file, policy);
    await disk.source.close();
  } catch (e) {
    assert.ok(Date.now() - started < 5000, "refused at once, never blocked");
    assert.ok(e instanceof ExternalReferenceError, String(e));
    return e;
  }
  assert.fail(`${file} was opened`);
}

describe("references from one image file to another", () => {
  it("an absolute extent is refused, and the message tells nothing about the host file", async () => {
    const shadow = await refusal(path.join(await descriptor("/etc/shadow", 100000), "disk.vmdk"));
    const absent = await refusal(
      path.join(await descriptor("/nonexistent/amigate-xyz", 100000), "disk.vmdk"),
    );
    assert.match(shadow.reason, /^VMDK extent 1 "\/etc\/shadow" refused: an absolute path/);
    const shape = (e: ExternalReferenceError) => e.reason.replace(/"[^"]*"/, "NAME");
    assert.equal(shape(shadow), shape(absent), "a present and an absent file read the same: no oracle");
    const size = String((await fsp.stat("/etc/shadow")).size);
    assert.ok(!shadow.message.includes(` ${size} `) && !/missing|exist|size/.test(shadow.reason));
  });

  it("'..' and '.' components are refused even when they would land inside the folder", async () => {
    const dir = await descriptor("../outside.bin");
    await fsp.writeFile(path.join(dir, "..", "outside.bin"), Buffer.alloc(4096));
    assert.match((await refusal(path.join(dir, "disk.vmdk"))).reason, /not plainly inside/);
    const inner = await descriptor("sub/../data.bin");
    await fsp.mkdir(path.join(inner, "sub"));
    await fsp.writeFile(path.join(inner, "data.bin"), Buffer.alloc(4096));
    assert.match((await refusal(path.join(inner, "disk.vmdk"))).reason, /not plainly inside/);
  });

  it("symlinks are never followed: to a host file, to a file beside it, or as a folder", async () => {
    const toHost = await descriptor("link.bin");
    await fsp.symlink("/etc/passwd", path.join(toHost, "link.bin"));
    const beside = await descriptor("link.bin");
    await fsp.writeFile(path.join(beside, "real.bin"), Buffer.alloc(4096));
    await fsp.symlink("real.bin", path.join(beside, "link.bin"));
    const folder = await descriptor("etc/passwd");
    await fsp.symlink("/etc", path.join(folder, "etc"));
    const missing = await descriptor("link.bin");
    const reasons = [];
    for (const d of [toHost, beside, folder, missing])
      reasons.push((await refusal(path.join(d, "disk.vmdk"))).reason.replace(/"[^"]*"/, "NAME"));
    assert.equal(new Set(reasons).size, 1, reasons.join("\n"));
    assert.match(reasons[0]!, /not a regular file inside the image's folder/);
  });

  it("a FIFO, a directory and a device are refused without blocking", async () => {
    const fifo = await descriptor("pipe");
    execFileSync("mkfifo", [path.join(fifo, "pipe")]);
    const directory = await descriptor("sub");
    await fsp.mkdir(path.join(directory, "sub"));
    const device = await descriptor("zero");
    execFileSync("mknod", [path.join(device, "zero"), "c", "1", "5"]);
    for (const d of [fifo, directory, device])
      assert.match((await refusal(path.join(d, "disk.vmdk"))).reason, /not a regular file/);
  });

  it("a FIFO extent does not hang a whole scan (openTarget)", async () => {
    const fifo = await descriptor("pipe");
    execFileSync("mkfifo", [path.join(fifo, "pipe")]);
    await assert.rejects(openTarget(path.join(fifo, "disk.vmdk")), ExternalReferenceError);
  });

  it("a regular extent file beside the descriptor, in a subfolder too, is read", async () => {
    const dir = await descriptor("sub/data.bin", 8);
    await fsp.mkdir(path.join(dir, "sub"));
    const data = Buffer.alloc(4096, 0x5a);
    await fsp.writeFile(path.join(dir, "sub", "data.bin"), data);
    const disk = await openDiskImage(path.join(dir, "disk.vmdk"));
    try {
      assert.deepEqual(await disk.source.read(0, 4096), data);
    } finally {
      await disk.source.close();
    }
    const flat = path.join(fixtures, "flat", "gpt-flat.vmdk");
    const opened = await openDiskImage(flat);
    try {
      assert.equal(await hashSource(opened.source), await hashFile(path.join(fixtures, "gpt.raw")));
    } finally {
      await opened.source.close();
    }
  });

  it("with references 'none' (the server) any file that names another file is refused", async () => {
    const flat = path.join(fixtures, "flat", "gpt-flat.vmdk");
    assert.match((await refusal(flat, "none")).reason, /only self-contained images/);
    const split = path.join(fixtures, "split", "gpt-split.vmdk");
    assert.match((await refusal(split, "none")).reason, /only self-contained images/);
    // Self-contained containers still open.
    for (const f of ["gpt-sparse.vmdk", "gpt-stream.vmdk", "gpt.qcow2", "gpt-dynamic.vhd", "gpt.vhdx"]) {
      const disk = await openDiskImage(path.join(fixtures, f), "none");
      await disk.source.close();
    }
  });
});

describe("names from image bytes never reach a terminal raw", () => {
  const hostile = "base\n\u001b[31mRED\u001b]0;title\u0007\u202e";

  it("a qcow2 backing file name is escaped in the one-line error", async () => {
    const image = await fsp.readFile(path.join(fixtures, "gpt.qcow2"));
    const name = Buffer.from(hostile, "utf8");
    const at = 0x200; // inside the header cluster, after the v3 header and its extensions' end
    image.fill(0, 104, at + name.length + 8);
    name.copy(image, at);
    image.writeBigUInt64BE(BigInt(at), 8);
    image.writeUInt32BE(name.length, 16);
    const file = path.join(tmp, "backing.qcow2");
    await fsp.writeFile(file, image);
    const e = await refusal(file);
    assertOneCleanLine(e.message);
    assert.match(e.message, /base\\x0a\\x1b\[31mRED\\x1b\]0;title\\x07\\u202e/);
  });

  it("a VHD parent name is escaped in the one-line error", async () => {
    const image = await fsp.readFile(path.join(fixtures, "gpt-dynamic.vhd"));
    const footer = image.length - 512;
    image.writeUInt32BE(4, footer + 60); // differencing
    let sum = 0;
    image.writeUInt32BE(0, footer + 64);
    for (let i = 0; i < 512; i++) sum += image[footer + i]!;
    image.writeUInt32BE(~sum >>> 0, footer + 64);
    const dynAt = Number(image.readBigUInt64BE(footer + 16));
    Buffer.from(hostile, "utf16le")
      .swap16()
      .copy(image, dynAt + 64);
    const file = path.join(tmp, "parent.vhd");
    await fsp.writeFile(file, image);
    const e = await refusal(file);
    assertOneCleanLine(e.message);
    assert.match(e.message, /\\x1b\[31mRED/);
  });
});

function assertOneCleanLine(text: string): void {
  assert.ok(!/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(text), JSON.stringify(text));
}
