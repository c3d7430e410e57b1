import { baseBlockChecksum } from "../../src/inspect/windows/regf/base-block.js";
import { REG } from "../../src/inspect/windows/regf/types.js";

/**
 * A test-only regf writer: small hives with chosen keys and values, laid out as the public
 * format description says (one hbin, lh subkey lists, big data "db" for > 16344 bytes). Its
 * output is checked against hivexregedit in regf-writer.test.ts so tests build valid hives.
 */
export type HiveValueSpec = string | number | bigint | string[] | Buffer | { type: number; data: Buffer };

export interface HiveKeySpec {
  values?: Record<string, HiveValueSpec>;
  keys?: Record<string, HiveKeySpec>;
}

export interface HiveWriteOptions {
  rootName?: string;
  /** Write different sequence numbers (a dirty hive). */
  dirty?: boolean;
  /** Split subkey lists into "ri" lists of this many entries. */
  riChunk?: number;
}

const NO_CELL = 0xffffffff;

export function encodeValue(spec: HiveValueSpec): { type: number; data: Buffer } {
  if (typeof spec === "string") return { type: REG.SZ, data: Buffer.from(`${spec}\0`, "utf16le") };
  if (typeof spec === "number") {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(spec >>> 0);
    return { type: REG.DWORD, data: b };
  }
  if (typeof spec === "bigint") {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(spec);
    return { type: REG.QWORD, data: b };
  }
  if (Array.isArray(spec))
    return { type: REG.MULTI_SZ, data: Buffer.from(`${spec.map((s) => `${s}\0`).join("")}\0`, "utf16le") };
  if (Buffer.isBuffer(spec)) return { type: REG.BINARY, data: spec };
  return spec;
}

/** The lh hash: h = h * 37 + code of each upper-cased UTF-16 unit. */
function nameHash(name: string): number {
  let h = 0;
  for (const ch of name.toUpperCase()) h = (Math.imul(h, 37) + ch.charCodeAt(0)) >>> 0;
  return h;
}

function encodeName(name: string): { bytes: Buffer; compressed: boolean } {
  const compressed = [...name].every((c) => c.charCodeAt(0) < 0x100);
  return { bytes: Buffer.from(name, compressed ? "latin1" : "utf16le"), compressed };
}

class CellWriter {
  buf = Buffer.alloc(1 << 16);
  /** Next free offset, relative to the first hbin (its 32-byte header comes first). */
  end = 32;

  alloc(size: number): number {
    const cellSize = Math.ceil((size + 4) / 8) * 8;
    while (this.end + cellSize > this.buf.length) {
      const bigger = Buffer.alloc(this.buf.length * 2);
      this.buf.copy(bigger);
      this.buf = bigger;
    }
    const at = this.end;
    this.buf.writeInt32LE(-cellSize, at);
    this.end += cellSize;
    return at;
  }

  /** Allocates a cell holding `data`; returns its offset. */
  put(data: Buffer): number {
    const at = this.alloc(data.length);
    data.copy(this.buf, at + 4);
    return at;
  }
}

function writeValue(w: CellWriter, name: string, spec: HiveValueSpec): number {
  const { type, data } = encodeValue(spec);
  const n = encodeName(name);
  const vk = Buffer.alloc(20 + n.bytes.length);
  vk.write("vk", 0, "latin1");
  vk.writeUInt16LE(n.bytes.length, 2);
  if (data.length <= 4) {
    vk.writeUInt32LE((data.length | 0x80000000) >>> 0, 4);
    data.copy(vk, 8);
  } else {
    vk.writeUInt32LE(data.length, 4);
    vk.writeUInt32LE(data.length > 16344 ? writeBigData(w, data) : w.put(data), 8);
  }
  vk.writeUInt32LE(type, 12);
  vk.writeUInt16LE(n.compressed ? 1 : 0, 16);
  n.bytes.copy(vk, 20);
  return w.put(vk);
}

function writeBigData(w: CellWriter, data: Buffer): number {
  const segments: number[] = [];
  for (let i = 0; i < data.length; i += 16344) segments.push(w.put(data.subarray(i, i + 16344)));
  const list = Buffer.alloc(segments.length * 4);
  for (const [i, s] of segments.entries()) list.writeUInt32LE(s, i * 4);
  const db = Buffer.alloc(8);
  db.write("db", 0, "latin1");
  db.writeUInt16LE(segments.length, 2);
  db.writeUInt32LE(w.put(list), 4);
  return w.put(db);
}

function writeKey(
  w: CellWriter,
  name: string,
  spec: HiveKeySpec,
  parent: number,
  isRoot: boolean,
  opts: HiveWriteOptions,
): number {
  const n = encodeName(name);
  const nkAt = w.alloc(76 + n.bytes.length);
  const children = Object.entries(spec.keys ?? {})
    .map(([childName, child]) => ({
      name: childName,
      offset: writeKey(w, childName, child, nkAt, false, opts),
    }))
    .sort((a, b) =>
      a.name.toUpperCase() < b.name.toUpperCase() ? -1 : a.name.toUpperCase() > b.name.toUpperCase() ? 1 : 0,
    );
  const values = Object.entries(spec.values ?? {}).map(([vn, vs]) => writeValue(w, vn, vs));
  const lh = (entries: typeof children): number => {
    const b = Buffer.alloc(4 + entries.length * 8);
    b.write("lh", 0, "latin1");
    b.writeUInt16LE(entries.length, 2);
    entries.forEach((c, i) => {
      b.writeUInt32LE(c.offset, 4 + i * 8);
      b.writeUInt32LE(nameHash(c.name), 8 + i * 8);
    });
    return w.put(b);
  };
  let subkeyList = NO_CELL;
  if (children.length > 0 && opts.riChunk && children.length > opts.riChunk) {
    const lists: number[] = [];
    for (let i = 0; i < children.length; i += opts.riChunk)
      lists.push(lh(children.slice(i, i + opts.riChunk)));
    const ri = Buffer.alloc(4 + lists.length * 4);
    ri.write("ri", 0, "latin1");
    ri.writeUInt16LE(lists.length, 2);
    for (const [i, l] of lists.entries()) ri.writeUInt32LE(l, 4 + i * 4);
    subkeyList = w.put(ri);
  } else if (children.length > 0) subkeyList = lh(children);
  let valueList = NO_CELL;
  if (values.length > 0) {
    const b = Buffer.alloc(values.length * 4);
    for (const [i, v] of values.entries()) b.writeUInt32LE(v, i * 4);
    valueList = w.put(b);
  }
  const nk = w.buf.subarray(nkAt + 4, nkAt + 4 + 76 + n.bytes.length);
  nk.write("nk", 0, "latin1");
  nk.writeUInt16LE((n.compressed ? 0x20 : 0) | (isRoot ? 0x0c : 0), 2);
  nk.writeBigUInt64LE(133000000000000000n, 4);
  nk.writeUInt32LE(parent, 16);
  nk.writeUInt32LE(children.length, 20);
  nk.writeUInt32LE(subkeyList, 28);
  nk.writeUInt32LE(NO_CELL, 32);
  nk.writeUInt32LE(values.length, 36);
  nk.writeUInt32LE(valueList, 40);
  nk.writeUInt32LE(NO_CELL, 44);
  nk.writeUInt32LE(NO_CELL, 48);
  nk.writeUInt16LE(n.bytes.length, 72);
  n.bytes.copy(nk, 76);
  return nkAt;
}

/** Builds a complete hive file. */
export function writeHive(root: HiveKeySpec, opts: HiveWriteOptions = {}): Buffer {
  const w = new CellWriter();
  const rootAt = writeKey(w, opts.rootName ?? "ROOT", root, NO_CELL, true, opts);
  const binSize = Math.ceil((w.end + 8) / 4096) * 4096;
  const bin = Buffer.alloc(binSize);
  w.buf.copy(bin, 0, 0, w.end);
  bin.write("hbin", 0, "latin1");
  bin.writeUInt32LE(0, 4);
  bin.writeUInt32LE(binSize, 8);
  bin.writeInt32LE(binSize - w.end, w.end); // the rest is one free cell
  const base = Buffer.alloc(4096);
  base.write("regf", 0, "latin1");
  base.writeUInt32LE(2, 4);
  base.writeUInt32LE(opts.dirty ? 1 : 2, 8);
  base.writeBigUInt64LE(133000000000000000n, 12);
  base.writeUInt32LE(1, 20);
  base.writeUInt32LE(5, 24);
  base.writeUInt32LE(0, 28);
  base.writeUInt32LE(1, 32);
  base.writeUInt32LE(rootAt, 36);
  base.writeUInt32LE(binSize, 40);
  base.writeUInt32LE(1, 44);
  base.writeUInt32LE(baseBlockChecksum(base), 508);
  return Buffer.concat([base, bin]);
}
