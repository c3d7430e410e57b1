import { ImageFormatError } from "../../io/errors.js";

const CHUNK = 4096;

/**
 * LZNT1 (MS-XCA 2.5): chunks of up to 4 KiB output, each with a 16-bit header (bits 0-11 = stored
 * size - 3, bit 15 = compressed). A compressed chunk is flag bytes followed by eight tokens each:
 * a literal byte, or a 16-bit back-reference whose offset/length split depends on the position in
 * the chunk. A chunk shorter than 4 KiB is padded with zeros. Writes into `out` (the unit's size).
 */
export function decompressLznt1(input: Buffer, out: Buffer, file: string, offset: number): void {
  out.fill(0);
  const bad = (at: number) =>
    new ImageFormatError(file, "LZNT1 compressed data", offset + at, "a well-formed chunk");
  let inPos = 0;
  let chunkOut = 0;
  while (inPos + 2 <= input.length && chunkOut < out.length) {
    const header = input.readUInt16LE(inPos);
    if (header === 0) break;
    const size = (header & 0x0fff) + 1;
    const start = inPos + 2;
    const end = start + size;
    if (end > input.length) throw bad(inPos);
    const limit = Math.min(chunkOut + CHUNK, out.length);
    if ((header & 0x8000) === 0) {
      input.copy(out, chunkOut, start, Math.min(end, start + (limit - chunkOut)));
    } else {
      let p = start;
      let o = chunkOut;
      while (p < end && o < limit) {
        const flags = input[p++]!;
        for (let bit = 0; bit < 8 && p < end && o < limit; bit++) {
          if ((flags & (1 << bit)) === 0) {
            out[o++] = input[p++]!;
            continue;
          }
          if (p + 2 > end) throw bad(p);
          const token = input.readUInt16LE(p);
          p += 2;
          let lengthBits = 12;
          for (let i = o - chunkOut - 1; i >= 0x10; i >>= 1) lengthBits--;
          const back = (token >> lengthBits) + 1;
          const length = (token & ((1 << lengthBits) - 1)) + 3;
          if (back > o - chunkOut) throw bad(p - 2);
          for (let i = 0; i < length && o < limit; i++, o++) out[o] = out[o - back]!;
        }
      }
    }
    inPos = end;
    chunkOut += CHUNK;
  }
}
