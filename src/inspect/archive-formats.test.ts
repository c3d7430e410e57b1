import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, it } from "node:test";
import { archiveFormatOf } from "./archive-formats.js";

const bytes = (...parts: Array<number[] | string>) =>
  Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "latin1") : Buffer.from(p))));

describe("archiveFormatOf", () => {
  it("tells each format from its first bytes, as the real tools write them", () => {
    const text = Buffer.from("password=hunter2\n".repeat(64));
    const made = (program: string, args: string[]) => execFileSync(program, args, { input: text });
    assert.equal(archiveFormatOf(made("gzip", ["-c"])), "gzip");
    assert.equal(archiveFormatOf(made("xz", ["-c"])), "xz");
    assert.equal(archiveFormatOf(made("zstd", ["-qc"])), "zstd");
    assert.equal(archiveFormatOf(made("bzip2", ["-c"])), "bzip2");
    // bzip2 of nothing is "BZh9" and the end-of-stream magic.
    assert.equal(archiveFormatOf(execFileSync("bzip2", ["-c"], { input: "" })), "bzip2");
    assert.equal(archiveFormatOf(made("tar", ["-cf", "-", "--files-from=/dev/null"])), undefined);
    const tar = execFileSync("tar", ["-cf", "-", "-C", "/etc", "hostname"]);
    assert.equal(archiveFormatOf(tar), "tar");
  });
  it("7z, rar and zip by their signatures; near misses and short heads are none", () => {
    assert.equal(archiveFormatOf(bytes([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0, 4])), "7z");
    assert.equal(archiveFormatOf(bytes("Rar!\x1a\x07\x01\x00")), "rar");
    assert.equal(archiveFormatOf(bytes("PK\x03\x04", [0, 0, 0, 0])), "zip");
    assert.equal(archiveFormatOf(bytes("PK\x05\x06", [0, 0, 0, 0])), "zip");
    assert.equal(archiveFormatOf(bytes([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])), "xz");
    for (const miss of [
      bytes([0xfd, 0x37, 0x7a, 0x58, 0x5a]), // xz's magic cut short
      bytes([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x01]),
      bytes([0x37, 0x7a, 0xbc, 0xaf, 0x27]),
      bytes("Rar!\x1a\x08"),
      bytes("BZh9", [0x31, 0x41, 0x59, 0x26, 0x53, 0x58]), // a block magic off by one bit
      bytes("BZh0", [0x31, 0x41, 0x59, 0x26, 0x53, 0x59]), // no such level
      bytes("BZh"),
      bytes("#!/bin/sh\necho hello\n"),
      Buffer.alloc(0),
    ])
      assert.equal(archiveFormatOf(miss), undefined, miss.toString("latin1"));
  });
});
