import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { asText, textEncodingOf } from "./content-host.js";

const utf16le = (text: string) => Buffer.from(text, "utf16le");

describe("textEncodingOf: which files are text", () => {
  it("UTF-16 with a byte order mark, either order, and UTF-16LE without one are text", () => {
    assert.equal(textEncodingOf(utf16le("\uFEFFpassword = hunter2\r\n")), "utf16le");
    assert.equal(textEncodingOf(utf16le("\uFEFFpassword = hunter2\r\n").swap16()), "utf16be");
    assert.equal(textEncodingOf(utf16le("[default]\r\nregion = eu-west-1\r\n")), "utf16le");
    assert.equal(textEncodingOf(Buffer.from("plain text\n")), "text");
  });
  it("programs and data are binaries, also when they start like a byte order mark", () => {
    assert.equal(textEncodingOf(readFileSync(process.execPath).subarray(0, 8192)), "binary");
    const fakeBom = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.alloc(64), Buffer.from("xyz")]);
    assert.equal(textEncodingOf(fakeBom), "binary");
    // Mostly non-ASCII units with NUL bytes between: not text we can tell from a binary.
    const wide = Buffer.from(Array.from({ length: 64 }, (_, i) => [i * 7, 0, 0xe0 + (i % 8), 0x12]).flat());
    assert.equal(textEncodingOf(wide), "binary");
    assert.equal(textEncodingOf(Buffer.from([0x41, 0, 0x42, 0])), "binary", "too short to tell");
  });
});

describe("asText", () => {
  it("gives UTF-8 without the byte order mark, which only the first piece has", () => {
    assert.equal(asText(utf16le("\uFEFFkey = välue\n"), "utf16le", true).toString(), "key = välue\n");
    assert.equal(asText(utf16le("\uFEFFkey\n").swap16(), "utf16be", true).toString(), "key\n");
    assert.equal(asText(utf16le("more"), "utf16le", false).toString(), "more");
    const bytes = Buffer.from("as it is");
    assert.equal(asText(bytes, "text", true), bytes);
  });
});
