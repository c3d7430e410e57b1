import { ImageFormatError } from "../../io/errors.js";
import { BitReader, HuffmanCode } from "./huffman.js";

/**
 * LZX as WIM and WOF write it (one chunk of at most 32 KiB on its own, so a 32 KiB window with 30
 * position slots): blocks of 3-bit type (1 verbatim, 2 aligned offset, 3 uncompressed) and a size
 * (one bit set for 32768, else 16 bits); Huffman codes of at most 16 bits sent as deltas from the
 * chunk's previous block through a 20-symbol pretree; matches of 2–257 bytes; three repeated
 * offsets starting at 1; then the E8 call translation undone (translation size 12,000,000, as WIM
 * has no header to say otherwise). The bit stream is 16-bit little-endian words read from the top.
 */
const MAX_CODE_BITS = 16;
const POSITION_SLOTS = 30;
const MAIN_SYMBOLS = 256 + 8 * POSITION_SLOTS;
const LENGTH_SYMBOLS = 249;
const PRETREE_SYMBOLS = 20;
const ALIGNED_SYMBOLS = 8;
const DEFAULT_BLOCK = 32768;
const E8_TRANSLATION_SIZE = 12_000_000;
const MAX_CHUNK = 32768;

/** Extra bits and base of each position slot's formatted offset (0–2 are the repeated offsets). */
const FOOTER_BITS = new Uint8Array(POSITION_SLOTS);
const SLOT_BASE = new Uint32Array(POSITION_SLOTS);
for (let s = 0, base = 0; s < POSITION_SLOTS; s++) {
  FOOTER_BITS[s] = s < 4 ? 0 : (s >> 1) - 1;
  SLOT_BASE[s] = base;
  base += 1 << FOOTER_BITS[s]!;
}

/**
 * The codes' tables (about 0.5 MiB), made once: a chunk is decoded in one synchronous call, and a
 * fresh set per 32 KiB chunk cost more than the decoding (35 → 53 MB/s without).
 */
const codes = {
  main: new HuffmanCode(new Uint8Array(MAIN_SYMBOLS), MAX_CODE_BITS),
  lengthCode: new HuffmanCode(new Uint8Array(LENGTH_SYMBOLS), MAX_CODE_BITS),
  aligned: new HuffmanCode(new Uint8Array(ALIGNED_SYMBOLS), 7),
  pretree: new HuffmanCode(new Uint8Array(PRETREE_SYMBOLS), 15),
};

/** Decodes one LZX chunk of `out.length` bytes (≤ 32 KiB) from `input`. */
export function decompressLzx(input: Buffer, out: Buffer, file: string, offset: number): void {
  const bits = new BitReader(input);
  const bad = (expected: string) =>
    new ImageFormatError(
      file,
      "LZX compressed data",
      offset >= 0 ? offset + Math.min(bits.at, input.length) : -1,
      expected,
    );
  if (out.length > MAX_CHUNK) throw bad(`a chunk of at most ${MAX_CHUNK} bytes`);
  const { main, lengthCode, aligned, pretree } = codes;
  // Each chunk starts afresh: no code lengths to send deltas from, the repeated offsets at 1.
  main.lengths.fill(0);
  lengthCode.lengths.fill(0);
  const repeated = [1, 1, 1];

  /** Lengths [from, to) of `code`, as deltas from what they were, through a pretree read first. */
  const readLengths = (lengths: Uint8Array, from: number, to: number) => {
    for (let i = 0; i < PRETREE_SYMBOLS; i++) pretree.lengths[i] = bits.read(4);
    if (!pretree.build()) throw bad("a pretree that is a prefix code");
    for (let i = from; i < to; ) {
      const sym = pretree.decode(bits);
      if (sym < 0) throw bad("a pretree with symbols");
      let run = 1;
      let value: number;
      if (sym === 17 || sym === 18) {
        run = sym === 17 ? 4 + bits.read(4) : 20 + bits.read(5);
        value = 0;
      } else {
        let delta = sym;
        if (sym === 19) {
          run = 4 + bits.read(1);
          delta = pretree.decode(bits);
          if (delta < 0 || delta > 16) throw bad("a code length delta of 0 to 16 after a run");
        }
        value = (lengths[i]! + 17 - delta) % 17;
      }
      if (i + run > to) throw bad(`code lengths within the ${to - from} of the tree`);
      lengths.fill(value, i, i + run);
      i += run;
    }
  };

  let written = 0;
  while (written < out.length) {
    const type = bits.read(3);
    const size = bits.read(1) ? DEFAULT_BLOCK : bits.read(16);
    if (size === 0 || size > out.length - written)
      throw bad(`a block of 1 to ${out.length - written} bytes (got ${size})`);
    const end = written + size;
    if (type === 3) {
      let at = bits.alignToBytes();
      if (at + 12 + size > input.length) throw bad(`an uncompressed block of ${size} bytes`);
      for (let r = 0; r < 3; r++) repeated[r] = input.readUInt32LE(at + 4 * r);
      at += 12;
      input.copy(out, written, at, at + size);
      written = end;
      bits.restart(at + size + (size & 1));
      continue;
    }
    if (type !== 1 && type !== 2) throw bad(`a block type of 1, 2 or 3 (got ${type})`);
    if (type === 2) {
      for (let i = 0; i < ALIGNED_SYMBOLS; i++) aligned.lengths[i] = bits.read(3);
      if (!aligned.build()) throw bad("an aligned offset tree that is a prefix code");
    }
    readLengths(main.lengths, 0, 256);
    readLengths(main.lengths, 256, MAIN_SYMBOLS);
    if (!main.build() || main.empty) throw bad("a main tree that is a prefix code");
    readLengths(lengthCode.lengths, 0, LENGTH_SYMBOLS);
    if (!lengthCode.build()) throw bad("a length tree that is a prefix code");

    while (written < end) {
      const sym = main.decode(bits);
      if (sym < 256) {
        out[written++] = sym;
        continue;
      }
      const slot = (sym - 256) >> 3;
      let length = ((sym - 256) & 7) + 2;
      if (length === 9) {
        const more = lengthCode.decode(bits);
        if (more < 0) throw bad("a length tree for a long match");
        length += more;
      }
      let distance: number;
      if (slot < 3) {
        distance = repeated[slot]!;
        repeated[slot] = repeated[0]!;
        repeated[0] = distance;
      } else {
        const extra = FOOTER_BITS[slot]!;
        let formatted = SLOT_BASE[slot]!;
        if (type === 2 && extra >= 3) {
          formatted += bits.read(extra - 3) * 8;
          const low = aligned.decode(bits);
          if (low < 0) throw bad("an aligned offset tree with symbols");
          formatted += low;
        } else formatted += bits.read(extra);
        distance = formatted - 2;
        repeated[2] = repeated[1]!;
        repeated[1] = repeated[0]!;
        repeated[0] = distance;
      }
      if (distance < 1 || distance > written)
        throw bad(`a match at most ${written} bytes back (it is ${distance})`);
      if (length > end - written) throw bad(`a match within the block (${length} bytes at ${written})`);
      for (const stop = written + length; written < stop; written++) out[written] = out[written - distance]!;
    }
  }
  undoE8(out);
}

/** Undoes the compressor's E8 translation: call targets stored absolute are made relative again. */
function undoE8(data: Buffer): void {
  for (let i = 0; i < data.length - 10; i++) {
    if (data[i] !== 0xe8) continue;
    const abs = data.readInt32LE(i + 1);
    if (abs >= -i && abs < E8_TRANSLATION_SIZE)
      data.writeInt32LE(abs >= 0 ? abs - i : abs + E8_TRANSLATION_SIZE, i + 1);
    i += 4;
  }
}
