import { ImageFormatError } from "../../io/errors.js";

/** Output bytes one Huffman table codes (MS-XCA 2.1); WOF's chunks (4–16 KiB) fit in one. */
const BLOCK_OUTPUT = 65536;
const TABLE_BITS = 15;
const SYMBOLS = 512;

/** The code lengths and decoding table, made once: a chunk is decoded in one synchronous call. */
const lengths = new Uint8Array(SYMBOLS);
const table = new Uint16Array(1 << TABLE_BITS);

/**
 * LZ77+Huffman ("XPRESS Huffman", MS-XCA 2.1–2.2), as Windows' WOF compression writes each chunk
 * of a file: a 256-byte table of 512 4-bit code lengths (literals 0–255, then matches: low nibble
 * the length, high nibble the offset's bit count), then a stream of 16-bit little-endian words read
 * from their top bit. Fills `out` exactly, one block (so at most 64 KiB: WOF's chunks are 4, 8 or
 * 16 KiB). Bits past the input's end read as zeros; every match must lie inside what was written.
 * `offset` is where `input` lies in `file`, for errors (-1 when it lies nowhere one place).
 */
export function decompressXpressHuffman(input: Buffer, out: Buffer, file: string, offset: number): void {
  const bad = (at: number, expected: string) =>
    new ImageFormatError(file, "XPRESS Huffman compressed data", offset >= 0 ? offset + at : -1, expected);
  if (out.length > BLOCK_OUTPUT) throw bad(0, `a chunk of at most ${BLOCK_OUTPUT} bytes`);
  if (out.length === 0) return;
  if (input.length < 256) throw bad(0, "a 256-byte table of code lengths");

  for (let i = 0; i < 256; i++) {
    const b = input[i]!;
    lengths[2 * i] = b & 15;
    lengths[2 * i + 1] = b >> 4;
  }
  // Canonical codes: by length, then symbol; every prefix of the longest code's length decodes to
  // exactly one symbol (a table of 2^longest entries: a 4 KiB chunk rarely needs all 15 bits).
  let longest = 0;
  for (const len of lengths) if (len > longest) longest = len;
  const size = 1 << longest;
  let filled = 0;
  for (let len = 1; len <= longest; len++)
    for (let sym = 0; sym < SYMBOLS; sym++) {
      if (lengths[sym] !== len) continue;
      const count = 1 << (longest - len);
      if (filled + count > size) throw bad(0, "code lengths that form a prefix code");
      table.fill(sym, filled, filled + count);
      filled += count;
    }
  if (filled !== size || longest === 0) throw bad(0, "code lengths that form a complete prefix code");

  let at = 256;
  const word = () => {
    const v = at + 1 < input.length ? input.readUInt16LE(at) : at < input.length ? input[at]! : 0;
    at += 2;
    return v;
  };
  // `bits` holds the next 16 + `extra` bits of the stream at its top.
  let bits = ((word() << 16) | word()) >>> 0;
  let extra = 16;
  const consume = (n: number) => {
    bits = (bits << n) >>> 0;
    extra -= n;
    if (extra < 0) {
      bits = (bits | (word() << -extra)) >>> 0;
      extra += 16;
    }
  };

  let written = 0;
  while (written < out.length) {
    const sym = table[bits >>> (32 - longest)]!;
    consume(lengths[sym]!);
    if (sym < 256) {
      out[written++] = sym;
      continue;
    }
    const offsetBits = (sym - 256) >> 4;
    let length = (sym - 256) & 15;
    if (length === 15) {
      // Longer matches: a byte, then a 16-bit, then a 32-bit length, each where the last was full.
      if (at >= input.length) throw bad(at, "a match length byte");
      length = input[at++]!;
      if (length === 255) {
        if (at + 2 > input.length) throw bad(at, "a 16-bit match length");
        length = input.readUInt16LE(at);
        at += 2;
        if (length === 0) {
          if (at + 4 > input.length) throw bad(at, "a 32-bit match length");
          length = input.readUInt32LE(at);
          at += 4;
        }
        if (length < 15) throw bad(at, "a long match length of at least 15");
        length -= 15;
      }
      length += 15;
    }
    length += 3;
    let distance = 1 << offsetBits;
    if (offsetBits > 0) {
      distance += bits >>> (32 - offsetBits);
      consume(offsetBits);
    }
    if (distance > written) throw bad(at, `a match at most ${written} bytes back (it is ${distance})`);
    if (length > out.length - written)
      throw bad(at, `a match within the chunk's ${out.length} bytes (${length} at ${written})`);
    for (const end = written + length; written < end; written++) out[written] = out[written - distance]!;
  }
}
