import { ImageFormatError } from "../../io/errors.js";
import { BitReader, HuffmanCode } from "./huffman.js";

/** Output bytes one Huffman table codes (MS-XCA 2.1); WOF's chunks (4–16 KiB) fit in one. */
const BLOCK_OUTPUT = 65536;
const TABLE_BITS = 15;
const SYMBOLS = 512;

/** The code and its decoding table, made once: a chunk is decoded in one synchronous call. */
const code = new HuffmanCode(new Uint8Array(SYMBOLS), TABLE_BITS);

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

  const lengths = code.lengths;
  for (let i = 0; i < 256; i++) {
    const b = input[i]!;
    lengths[2 * i] = b & 15;
    lengths[2 * i + 1] = b >> 4;
  }
  if (!code.build() || code.empty) throw bad(0, "code lengths that form a complete prefix code");

  const bits = new BitReader(input, 256);
  let written = 0;
  while (written < out.length) {
    const sym = code.decode(bits);
    if (sym < 256) {
      out[written++] = sym;
      continue;
    }
    const offsetBits = (sym - 256) >> 4;
    let length = (sym - 256) & 15;
    if (length === 15) {
      // Longer matches: a byte, then a 16-bit, then a 32-bit length, each where the last was full,
      // read raw from where the next word would be.
      if (bits.at >= input.length) throw bad(bits.at, "a match length byte");
      length = input[bits.at++]!;
      if (length === 255) {
        if (bits.at + 2 > input.length) throw bad(bits.at, "a 16-bit match length");
        length = input.readUInt16LE(bits.at);
        bits.at += 2;
        if (length === 0) {
          if (bits.at + 4 > input.length) throw bad(bits.at, "a 32-bit match length");
          length = input.readUInt32LE(bits.at);
          bits.at += 4;
        }
        if (length < 15) throw bad(bits.at, "a long match length of at least 15");
        length -= 15;
      }
      length += 15;
    }
    length += 3;
    const distance = (1 << offsetBits) + bits.read(offsetBits);
    if (distance > written) throw bad(bits.at, `a match at most ${written} bytes back (it is ${distance})`);
    if (length > out.length - written)
      throw bad(bits.at, `a match within the chunk's ${out.length} bytes (${length} at ${written})`);
    for (const end = written + length; written < end; written++) out[written] = out[written - distance]!;
  }
}
