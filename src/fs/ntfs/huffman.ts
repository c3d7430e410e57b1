/**
 * The bit stream and canonical Huffman codes that XPRESS Huffman (MS-XCA 2.1) and LZX share: 16-bit
 * little-endian words read from their top bit (bits past the input's end read as zeros), and codes
 * decoded through one table indexed by the next `longest` bits, as both formats send code lengths
 * and leave the codes to be made canonically (by length, then symbol).
 */

export class BitReader {
  /** The next 16 + `extra` bits of the stream, at the top. */
  private bits = 0;
  private extra = -16;
  /** Byte offset of the next 16-bit word to load (bytes read raw between words are taken from here). */
  at: number;

  constructor(
    private readonly input: Buffer,
    /** Where the bit stream starts in `input`. */
    start = 0,
  ) {
    this.at = start;
    this.refill();
    this.refill();
  }

  private word(): number {
    const i = this.input;
    const v = this.at + 1 < i.length ? i.readUInt16LE(this.at) : this.at < i.length ? i[this.at]! : 0;
    this.at += 2;
    return v;
  }

  private refill(): void {
    this.bits = (this.bits | (this.word() << -this.extra)) >>> 0;
    this.extra += 16;
  }

  peek(n: number): number {
    return this.bits >>> (32 - n);
  }

  skip(n: number): void {
    this.bits = (this.bits << n) >>> 0;
    this.extra -= n;
    if (this.extra < 0) this.refill();
  }

  read(n: number): number {
    if (n === 0) return 0;
    if (n > 16) return this.read(16) * 2 ** (n - 16) + this.read(n - 16);
    const v = this.peek(n);
    this.skip(n);
    return v;
  }

  /**
   * Where an uncompressed block's header starts: the next 16-bit word after the bits read so far,
   * or the one after that when they end on a word's boundary (LZX then pads with a whole word).
   */
  alignToBytes(): number {
    // Unread: the last 16 + extra bits loaded, the words before `at`.
    return this.extra === 0 ? this.at : this.at - 2;
  }

  /** Restarts reading bits at byte offset `at` (after an uncompressed block). */
  restart(at: number): void {
    this.at = at;
    this.bits = 0;
    this.extra = -16;
    this.refill();
    this.refill();
  }
}

/**
 * A canonical Huffman code as a table indexed by the next `bits` bits (its longest code's length):
 * the symbol, and its length beside it.
 */
export class HuffmanCode {
  readonly symbol: Uint16Array;
  readonly length: Uint8Array;
  private bits = 0;
  /** True for a code with no symbol at all (an unused length or aligned tree). */
  empty = true;

  constructor(
    readonly lengths: Uint8Array,
    /** The longest code its lengths can give (16, or 15 and 7 for 4- and 3-bit lengths). */
    maxBits: number,
  ) {
    this.symbol = new Uint16Array(1 << maxBits);
    this.length = new Uint8Array(1 << maxBits);
  }

  /** Rebuilds from `lengths`; false when they form no complete prefix code (and are not all 0). */
  build(): boolean {
    let longest = 0;
    for (const len of this.lengths) if (len > longest) longest = len;
    this.bits = longest;
    this.empty = longest === 0;
    if (this.empty) return true;
    const size = 1 << longest;
    let filled = 0;
    for (let len = 1; len <= longest; len++)
      for (let sym = 0; sym < this.lengths.length; sym++) {
        if (this.lengths[sym] !== len) continue;
        const count = 1 << (longest - len);
        if (filled + count > size) return false;
        this.symbol.fill(sym, filled, filled + count);
        this.length.fill(len, filled, filled + count);
        filled += count;
      }
    return filled === size;
  }

  decode(bits: BitReader): number {
    if (this.empty) return -1;
    const v = bits.peek(this.bits);
    bits.skip(this.length[v]!);
    return this.symbol[v]!;
  }
}
