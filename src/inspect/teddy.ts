/**
 * Finds where any of a set of three-byte fingerprints may occur in a text, sixteen bytes at a time,
 * with WebAssembly SIMD: the "Teddy" scheme (Hyperscan's multi-literal prefilter). Each fingerprint
 * is put in one of eight buckets; for every offset k of the fingerprint, two 16-entry tables say,
 * per bucket, which low and which high nibbles the byte at k may have. A byte's two nibbles look
 * up its bucket bits (`i8x16.swizzle`), and a position is a candidate for a bucket when its three
 * bytes all agree. Nibble tables over-match (a bucket's nibbles combine across its fingerprints), so
 * a candidate is a place to look, never a match; the caller verifies each one.
 *
 * The same pass counts line feeds, so a text is read once. The module (about 300 bytes) is written
 * here as bytes: no assembler is needed to build it, and none runs where it is used. Where a
 * runtime has no WebAssembly SIMD, `Teddy.create` returns undefined and the caller scans in JS.
 */

/**
 * Three bytes: a three-character string, or three strings each listing the bytes that position may
 * hold ("sS", "eE", "cC" for a caseless "sec").
 */
export type Fingerprint = string | readonly [string, string, string];

/** Bytes the scanner takes at once; a longer text is scanned in windows (with two bytes more each). */
export const TEDDY_WINDOW = 128 * 1024;
/** Candidate vectors one window may report before the scan gives up on it (then: scan it all). */
const MAX_RECORDS = 4096;

// Memory layout: six nibble tables, then the window (and its lookahead), then the records.
const TABLES = 0;
const LINES_AT = 96;
const INPUT = 128;
const RECORDS = INPUT + TEDDY_WINDOW + 64;
/** A record: the 16 lanes' bucket bits, then the vector's offset in the window (i32). */
const RECORD = 20;
const PAGES = Math.ceil((RECORDS + MAX_RECORDS * RECORD) / 65536);

export interface TeddyResult {
  /** Line feeds in the window. */
  lines: number;
  /** False when the window had too many candidates to list (then `found` was not called at all). */
  complete: boolean;
}

export class Teddy {
  private constructor(
    private readonly run: (length: number) => number,
    private readonly bytes: Buffer,
  ) {}

  /**
   * A scanner for `buckets` (at most eight, each a list of fingerprints), or undefined where
   * WebAssembly SIMD is not available.
   */
  static create(buckets: ReadonlyArray<readonly Fingerprint[]>): Teddy | undefined {
    if (buckets.length > 8) throw new RangeError("Teddy takes at most eight buckets");
    let instance: WebAssembly.Instance;
    try {
      instance = new WebAssembly.Instance(new WebAssembly.Module(MODULE));
    } catch {
      return undefined;
    }
    const memory = instance.exports.memory as WebAssembly.Memory;
    const bytes = Buffer.from(memory.buffer);
    bytes.set(nibbleTables(buckets), TABLES);
    return new Teddy(instance.exports.scan as (length: number) => number, bytes);
  }

  /**
   * Scans `text` (bytes, or latin1: one byte per character) from `start` for at most TEDDY_WINDOW
   * bytes, calling `found` with each candidate's position in `text` and its bucket bits.
   */
  window(
    text: string | Buffer,
    start: number,
    found: (position: number, buckets: number) => void,
  ): TeddyResult {
    const length = Math.min(TEDDY_WINDOW, text.length - start);
    // Two bytes past the window let a fingerprint that starts in its last two be seen whole.
    if (typeof text !== "string") this.bytes.set(text.subarray(start, start + length + 2), INPUT);
    else if (start === 0 && text.length <= length + 2) this.bytes.write(text, INPUT, "latin1");
    else this.bytes.write(text.slice(start, start + length + 2), INPUT, "latin1");
    const records = this.run(length);
    const lines = this.bytes.readUInt32LE(LINES_AT);
    if (records < 0) return { lines, complete: false };
    for (let r = 0; r < records; r++) {
      const at = RECORDS + r * RECORD;
      const vector = this.bytes.readUInt32LE(at + 16);
      for (let lane = 0; lane < 16; lane++) {
        const buckets = this.bytes[at + lane]!;
        // Lanes past the text read stale bytes: their candidates are not in the text.
        if (buckets !== 0 && vector + lane < length) found(start + vector + lane, buckets);
      }
    }
    return { lines, complete: true };
  }
}

/** The six tables (low and high nibble for each of the three offsets), 16 bytes each. */
function nibbleTables(buckets: ReadonlyArray<readonly Fingerprint[]>): Uint8Array {
  const tables = new Uint8Array(96);
  buckets.forEach((fingerprints, bucket) => {
    for (const fingerprint of fingerprints) {
      for (let k = 0; k < 3; k++) {
        for (const c of fingerprint[k]!) {
          const code = c.charCodeAt(0);
          if (code > 0xff) throw new RangeError(`fingerprint byte ${JSON.stringify(c)} is not latin1`);
          tables[32 * k + (code & 15)]! |= 1 << bucket;
          tables[32 * k + 16 + (code >> 4)]! |= 1 << bucket;
        }
      }
    }
  });
  return tables;
}

// --- The module, as bytes (WebAssembly core spec §5, SIMD opcodes after the 0xfd prefix). ---

const I32 = 0x7f;
const V128 = 0x7b;
const op = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  return: 0x0f,
  get: 0x20,
  set: 0x21,
  i32Load: 0x28,
  i32Store: 0x36,
  i32Const: 0x41,
  i32LtU: 0x49,
  i32GeU: 0x4f,
  i32Popcnt: 0x69,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32And: 0x71,
  i32Shl: 0x74,
} as const;
const simd = {
  load: 0x00,
  store: 0x0b,
  swizzle: 0x0e,
  splat: 0x0f,
  eq: 0x23,
  and: 0x4e,
  anyTrue: 0x53,
  bitmask: 0x64,
  shrU: 0x6d,
} as const;
const EMPTY = 0x40;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const v = (code: number) => [0xfd, ...uleb(code)];
const vmem = (code: number, offset: number) => [...v(code), 0, ...uleb(offset)];
const get = (local: number) => [op.get, local];
const set = (local: number) => [op.set, local];
const i32 = (n: number) => [op.i32Const, ...sleb(n)];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const name = (s: string) => [...uleb(s.length), ...Buffer.from(s, "latin1")];

// Locals: the parameter (window length), then i32s, then v128s.
const LENGTH = 0;
const [AT, END, OUT, LINES, BITS, COUNT] = [1, 2, 3, 4, 5, 6];
const [NIBBLE, NEWLINE, BYTES, MATCH] = [7, 8, 9, 10];
const table = (offset: number, high: boolean) => 11 + 2 * offset + (high ? 1 : 0);

/** MATCH (and, for k > 0, the match so far) for the fingerprint byte at offset k of each lane. */
function offsetStep(k: number): number[] {
  return [
    ...get(AT),
    ...vmem(simd.load, k),
    ...set(BYTES),
    ...get(table(k, false)),
    ...get(BYTES),
    ...get(NIBBLE),
    ...v(simd.and),
    ...v(simd.swizzle),
    ...get(table(k, true)),
    ...get(BYTES),
    ...i32(4),
    ...v(simd.shrU),
    ...v(simd.swizzle),
    ...v(simd.and),
    ...(k > 0 ? [...get(MATCH), ...v(simd.and)] : []),
    ...set(MATCH),
  ];
}

function scanBody(): number[] {
  const loadTables = [0, 1, 2].flatMap((k) => [
    ...i32(0),
    ...vmem(simd.load, TABLES + 32 * k),
    ...set(table(k, false)),
    ...i32(0),
    ...vmem(simd.load, TABLES + 32 * k + 16),
    ...set(table(k, true)),
  ]);
  const countLines = [
    ...get(BYTES),
    ...get(NEWLINE),
    ...v(simd.eq),
    ...v(simd.bitmask),
    ...set(BITS),
    // The last vector may run past the window: count its lanes inside only.
    ...get(END),
    ...get(AT),
    op.i32Sub,
    ...i32(16),
    op.i32LtU,
    op.if,
    EMPTY,
    ...get(BITS),
    ...i32(1),
    ...get(END),
    ...get(AT),
    op.i32Sub,
    op.i32Shl,
    ...i32(1),
    op.i32Sub,
    op.i32And,
    ...set(BITS),
    op.end,
    ...get(LINES),
    ...get(BITS),
    op.i32Popcnt,
    op.i32Add,
    ...set(LINES),
  ];
  const record = [
    ...get(MATCH),
    ...v(simd.anyTrue),
    op.if,
    EMPTY,
    ...get(COUNT),
    ...i32(MAX_RECORDS),
    op.i32GeU,
    op.if,
    EMPTY,
    ...i32(-1),
    op.return,
    op.end,
    ...get(OUT),
    ...get(MATCH),
    ...vmem(simd.store, 0),
    ...get(OUT),
    ...get(AT),
    ...i32(INPUT),
    op.i32Sub,
    op.i32Store,
    2,
    ...uleb(16),
    ...get(OUT),
    ...i32(RECORD),
    op.i32Add,
    ...set(OUT),
    ...get(COUNT),
    ...i32(1),
    op.i32Add,
    ...set(COUNT),
    op.end,
  ];
  const code = [
    ...loadTables,
    ...i32(15),
    ...v(simd.splat),
    ...set(NIBBLE),
    ...i32(10),
    ...v(simd.splat),
    ...set(NEWLINE),
    ...i32(INPUT),
    ...set(AT),
    ...i32(INPUT),
    ...get(LENGTH),
    op.i32Add,
    ...set(END),
    ...i32(RECORDS),
    ...set(OUT),
    op.block,
    EMPTY,
    op.loop,
    EMPTY,
    ...get(AT),
    ...get(END),
    op.i32GeU,
    op.brIf,
    1,
    ...offsetStep(0),
    ...countLines,
    ...offsetStep(1),
    ...offsetStep(2),
    ...record,
    ...get(AT),
    ...i32(16),
    op.i32Add,
    ...set(AT),
    op.br,
    0,
    op.end,
    op.end,
    ...i32(0),
    ...get(LINES),
    op.i32Store,
    2,
    ...uleb(LINES_AT),
    ...get(COUNT),
    op.end,
  ];
  const locals = vec([
    [6, I32],
    [10, V128],
  ]);
  const body = [...locals, ...code];
  return [...uleb(body.length), ...body];
}

const MODULE = new Uint8Array([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
  ...section(1, vec([[0x60, ...vec([[I32]]), ...vec([[I32]])]])),
  ...section(3, vec([[0]])),
  ...section(5, vec([[0x00, ...uleb(PAGES)]])),
  ...section(
    7,
    vec([
      [...name("scan"), 0x00, 0],
      [...name("memory"), 0x02, 0],
    ]),
  ),
  ...section(10, vec([scanBody()])),
]);
