import { type ByteSource, readSourceInto } from "../../io/bytes.js";
import { ExternalReferenceError, ImageFormatError } from "../../io/errors.js";
import { Lru } from "../../io/lru.js";
import { sliceSource, u64, unitReader } from "./util.js";

// Microsoft "Virtual Hard Disk Image Format Specification" 1.0: a big-endian 512-byte footer
// ("conectix") at the end (and a copy at the start of dynamic disks), a dynamic header
// ("cxsparse"), a Block Allocation Table of sector offsets, and per block a sector bitmap + data.
const FOOTER = "conectix";
const UNALLOCATED = 0xffffffff;
const MAX_BAT_ENTRIES = 1 << 22;

export function isVhdFooter(buf: Buffer): boolean {
  return buf.length >= 8 && buf.toString("latin1", 0, 8) === FOOTER;
}

export interface VhdInfo {
  type: "fixed" | "dynamic";
  blockSize?: number;
}

export async function openVhd(file: ByteSource): Promise<{ source: ByteSource; info: VhdInfo }> {
  const name = file.description;
  if (file.size < 512) throw new ImageFormatError(name, "VHD footer", 0, "512 bytes");
  let footer = await file.read(file.size - 512, 512);
  if (!isVhdFooter(footer)) {
    // A damaged end: dynamic disks keep a copy of the footer at offset 0.
    footer = await file.read(0, 512);
    if (!isVhdFooter(footer))
      throw new ImageFormatError(name, "VHD footer", file.size - 512, "cookie conectix");
  }
  const size = u64(footer, 48, false, name, "VHD footer");
  const diskType = footer.readUInt32BE(60);
  if (diskType === 2) {
    if (size > file.size - 512)
      throw new ImageFormatError(name, "VHD footer", 48, "a fixed disk no larger than the file");
    const inner = sliceSource(file, 0, size, name);
    return { source: { ...inner, close: () => file.close() }, info: { type: "fixed" } };
  }
  if (diskType !== 3 && diskType !== 4)
    throw new ImageFormatError(name, "VHD footer", 60, "disk type 2, 3 or 4");
  const dynAt = u64(footer, 16, false, name, "VHD footer");
  if (dynAt + 1024 > file.size)
    throw new ImageFormatError(name, "VHD dynamic header", dynAt, "a header inside the file");
  const dyn = await file.read(dynAt, 1024);
  if (dyn.toString("latin1", 0, 8) !== "cxsparse")
    throw new ImageFormatError(name, "VHD dynamic header", dynAt, "cookie cxsparse");
  if (diskType === 4) {
    const parent = dyn
      .subarray(64, 576)
      .swap16()
      .toString("utf16le")
      .replace(/\0[\s\S]*$/, "");
    throw new ExternalReferenceError(
      name,
      `VHD is a differencing disk of parent "${parent}": scan the merged image`,
    );
  }
  const batAt = u64(dyn, 16, false, name, "VHD dynamic header");
  const entries = dyn.readUInt32BE(28);
  const blockSize = dyn.readUInt32BE(32);
  if (blockSize < 512 || blockSize > 256 * 1024 * 1024 || (blockSize & (blockSize - 1)) !== 0)
    throw new ImageFormatError(name, "VHD dynamic header", dynAt + 32, "a power-of-two block size");
  if (entries > MAX_BAT_ENTRIES || entries * blockSize < size || batAt + entries * 4 > file.size)
    throw new ImageFormatError(
      name,
      "VHD block allocation table",
      batAt,
      `${entries} entries inside the file covering the disk`,
    );
  const bat = await file.read(batAt, entries * 4);
  const bitmapBytes = Math.ceil(blockSize / 512 / 8 / 512) * 512;
  const bitmaps = new Lru<number, Buffer>(64);

  /** An allocated block's data offset in the file and its sector bitmap; undefined if unallocated. */
  const blockOf = async (block: number): Promise<{ dataAt: number; bitmap: Buffer } | undefined> => {
    const sector = bat.readUInt32BE(block * 4);
    if (sector === UNALLOCATED) return undefined;
    const blockAt = sector * 512;
    if (blockAt + bitmapBytes + blockSize > file.size)
      throw new ImageFormatError(
        name,
        "VHD block allocation table entry",
        batAt + block * 4,
        `block ${block} inside the file`,
      );
    let bitmap = bitmaps.get(block);
    if (!bitmap) {
      bitmap = await file.read(blockAt, bitmapBytes);
      bitmaps.set(block, bitmap);
    }
    return { dataAt: blockAt + bitmapBytes, bitmap };
  };
  const present = (bitmap: Buffer, s: number) => (((bitmap[s >> 3] as number) >> (7 - (s & 7))) & 1) === 1;

  const readUnitInto = async (block: number, within: number, target: Buffer): Promise<void> => {
    const length = target.length;
    const b = await blockOf(block);
    if (!b) {
      target.fill(0);
      return;
    }
    await readSourceInto(file, b.dataAt + within, target);
    // Sectors whose bitmap bit is clear hold no data (read as zeros).
    for (let s = Math.floor(within / 512); s * 512 < within + length; s++) {
      if (present(b.bitmap, s)) continue;
      const from = Math.max(s * 512, within) - within;
      target.fill(0, from, Math.min((s + 1) * 512 - within, length));
    }
  };
  // For a content thread: a range whose sectors are all present (or all absent) lies in the file
  // as it is; one that mixes them does not.
  const locate = async (block: number, within: number, length: number): Promise<number | undefined> => {
    const b = await blockOf(block);
    if (!b) return -1;
    const first = Math.floor(within / 512);
    const all = present(b.bitmap, first);
    for (let s = first + 1; s * 512 < within + length; s++)
      if (present(b.bitmap, s) !== all) return undefined;
    return all ? b.dataAt + within : -1;
  };
  return {
    source: unitReader(name, size, blockSize, readUnitInto, () => file.close(), {
      host: file.hostFile,
      unit: locate,
    }),
    info: { type: "dynamic", blockSize },
  };
}
