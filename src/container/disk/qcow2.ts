import { type ByteSource, readSourceInto } from "../../io/bytes.js";
import { ExternalReferenceError, ImageFormatError, TargetError } from "../../io/errors.js";
import { Lru } from "../../io/lru.js";
import {
  badUnit,
  inflateUnitInto,
  type PackedUnit,
  packingId,
  type UnitPacking,
} from "../../io/packed-unit.js";
import { UnitCache } from "../../io/unit-cache.js";
import { u64, unitReader } from "./util.js";

// qcow2 layout from QEMU's docs/interop/qcow2.txt: big-endian header, two-level L1/L2 tables.
const MAGIC = 0x514649fb; // "QFI\xfb"
const OFFSET_MASK = 0x00fffffffffffe00n; // bits 9-55
const COPIED = 1n << 63n;
const COMPRESSED = 1n << 62n;
const ZERO = 1n;
/** Incompatible feature bits we can read: dirty (0), corrupt (1), compression type (3). */
const READABLE_INCOMPATIBLE = 0b1011n;

export function isQcow2(head: Buffer): boolean {
  return head.length >= 4 && head.readUInt32BE(0) === MAGIC;
}

export interface Qcow2Info {
  version: number;
  clusterSize: number;
}

export async function openQcow2(file: ByteSource): Promise<{ source: ByteSource; info: Qcow2Info }> {
  const name = file.description;
  const h = await file.read(0, Math.min(file.size, 112));
  if (h.length < 72 || h.readUInt32BE(0) !== MAGIC)
    throw new ImageFormatError(name, "qcow2 header", 0, "magic QFI\\xfb and 72 bytes");
  const version = h.readUInt32BE(4);
  if (version !== 2 && version !== 3) throw new ImageFormatError(name, "qcow2 header", 4, "version 2 or 3");
  const backingOffset = u64(h, 8, false, name, "qcow2 header");
  const backingSize = h.readUInt32BE(16);
  if (backingOffset !== 0) {
    const len = Math.min(backingSize, 1023);
    const backing =
      backingOffset + len <= file.size ? (await file.read(backingOffset, len)).toString("utf8") : "?";
    throw new ExternalReferenceError(
      name,
      `qcow2 has a backing file "${backing}": scan the flattened image (qemu-img convert -O qcow2)`,
    );
  }
  const clusterBits = h.readUInt32BE(20);
  if (clusterBits < 9 || clusterBits > 21)
    throw new ImageFormatError(name, "qcow2 header", 20, "cluster_bits in 9..21");
  const clusterSize = 2 ** clusterBits;
  const size = u64(h, 24, false, name, "qcow2 header");
  if (h.readUInt32BE(32) !== 0) throw new TargetError(name, "encrypted qcow2 (AES/LUKS) is not supported");
  const l1Size = h.readUInt32BE(36);
  const l1Offset = u64(h, 40, false, name, "qcow2 header");
  let compressionType = 0;
  if (version === 3) {
    if (h.length < 104) throw new ImageFormatError(name, "qcow2 v3 header", 0, "104 bytes");
    const incompatible = h.readBigUInt64BE(72);
    if (incompatible & 4n)
      throw new ExternalReferenceError(name, "qcow2 with an external data file is not supported");
    if (incompatible & ~READABLE_INCOMPATIBLE)
      throw new ImageFormatError(name, "qcow2 header", 72, "no unknown incompatible features");
    const headerLength = h.readUInt32BE(100);
    if (incompatible & 8n && headerLength > 104) compressionType = h[104] ?? 0;
    if (compressionType !== 0)
      throw new TargetError(name, "qcow2 with zstd-compressed clusters is not supported");
  }
  const l2Entries = clusterSize / 8;
  const needL1 = Math.ceil(size / (l2Entries * clusterSize));
  if (
    l1Size < needL1 ||
    l1Size * 8 > file.size ||
    l1Offset % clusterSize !== 0 ||
    l1Offset === 0 ||
    l1Offset + l1Size * 8 > file.size
  )
    throw new ImageFormatError(
      name,
      "qcow2 L1 table",
      l1Offset,
      `${needL1} entries inside the file, cluster-aligned`,
    );
  const l1 = await file.read(l1Offset, l1Size * 8);
  const l1End = l1Offset + l1Size * 8;
  if (h.readUInt32BE(60) === 0) await refuseAliases(file, l1, l1Offset, clusterSize, version);
  const l2Cache = new Lru<number, Buffer>(64);
  const dataCache = new UnitCache<number>(clusterSize, 16);

  const checkMeta = (offset: number, at: number, what: string) => {
    // A table must sit in its own cluster inside the file: not the header, not the L1 table.
    if (
      offset % clusterSize !== 0 ||
      offset === 0 ||
      offset + clusterSize > file.size ||
      (offset < l1End && offset + clusterSize > l1Offset)
    )
      throw new ImageFormatError(
        name,
        what,
        at,
        "a cluster-aligned table inside the file, apart from the header and L1",
      );
  };

  const l2Table = async (index: number): Promise<{ offset: number; table: Buffer } | undefined> => {
    const entry = l1.readBigUInt64BE(index * 8) & ~COPIED;
    const offset = Number(entry & OFFSET_MASK);
    if (offset === 0) return undefined;
    let t = l2Cache.get(offset);
    if (!t) {
      checkMeta(offset, l1Offset + index * 8, "qcow2 L1 entry");
      t = await file.read(offset, clusterSize);
      l2Cache.set(offset, t);
    }
    return { offset, table: t };
  };

  const packing: UnitPacking = { id: packingId(), file: name, format: "raw-deflate", unitSize: clusterSize };
  /** Where a compressed cluster's data lies (its L2 entry, at `at`, says), checked to be in the file. */
  const compressedData = (entry: bigint, at: number): PackedUnit => {
    const x = 62 - (clusterBits - 8);
    const hostOffset = Number(entry & ((1n << BigInt(x)) - 1n));
    const sectors = Number((entry >> BigInt(x)) & ((1n << BigInt(clusterBits - 8)) - 1n)) + 1;
    const length = Math.min(sectors * 512 - (hostOffset % 512), file.size - hostOffset);
    if (hostOffset < 512 || length <= 0)
      throw new ImageFormatError(name, "qcow2 compressed cluster", at, "data inside the file");
    return { at: hostOffset, length };
  };
  const inflateClusterInto = async (entry: bigint, at: number, into: Buffer): Promise<void> => {
    const data = compressedData(entry, at);
    if (!inflateUnitInto(await file.read(data.at, data.length), "raw-deflate", into))
      throw badUnit(packing, data.at, "one cluster");
  };

  // A compressed cluster's bytes are copied into the reader's buffer from the cache, or from the
  // cluster just inflated, which the cache then keeps a copy of (the cache's buffers are reused).
  const readUnitInto = async (cluster: number, within: number, target: Buffer): Promise<void> => {
    const l2 = await l2Table(Math.floor(cluster / l2Entries));
    if (!l2) {
      target.fill(0);
      return;
    }
    const slot = (cluster % l2Entries) * 8;
    const entry = l2.table.readBigUInt64BE(slot);
    if (entry & COMPRESSED) {
      await dataCache.copyInto(cluster, within, target, (into) =>
        inflateClusterInto(entry & ~(COPIED | COMPRESSED), slot, into),
      );
      return;
    }
    const offset = dataOffset(l2, slot, entry, within, target.length);
    if (offset === -1) target.fill(0);
    else await readSourceInto(file, offset, target);
  };

  /** Where bytes [within, within + length) of an uncompressed cluster lie in the file, -1 for zeros. */
  const dataOffset = (
    l2: { offset: number },
    slot: number,
    entry: bigint,
    within: number,
    length: number,
  ) => {
    const offset = Number(entry & OFFSET_MASK);
    if ((version === 3 && entry & ZERO) || offset === 0) return -1;
    // Data never lives in the header, the L1 table or the L2 table that points at it.
    if (
      offset % clusterSize !== 0 ||
      offset + within + length > file.size ||
      offset === l2.offset ||
      (offset < l1End && offset + clusterSize > l1Offset)
    )
      throw new ImageFormatError(
        name,
        "qcow2 L2 entry",
        l2.offset + slot,
        "a cluster-aligned data cluster inside the file, apart from the tables",
      );
    return offset + within;
  };

  // For a content thread: where a cluster's bytes lie in the file, or its compressed data, which
  // the thread inflates itself (io/host-read.ts).
  const locate = async (cluster: number, within: number, length: number): Promise<number | PackedUnit> => {
    const l2 = await l2Table(Math.floor(cluster / l2Entries));
    if (!l2) return -1;
    const slot = (cluster % l2Entries) * 8;
    const entry = l2.table.readBigUInt64BE(slot);
    if (entry & COMPRESSED) return compressedData(entry & ~(COPIED | COMPRESSED), slot);
    return dataOffset(l2, slot, entry, within, length);
  };
  const source = unitReader(name, size, clusterSize, readUnitInto, () => file.close(), {
    host: file.hostFile,
    unit: locate,
    packing,
  });
  return { source, info: { version, clusterSize } };
}

/**
 * Without snapshots every host cluster belongs to one thing: the header, the L1 table, one L2
 * table or one guest cluster. Two guest clusters (or a guest cluster and a table) sharing one host
 * cluster make the guest see the same bytes twice, and what the scan reads at one place is not what
 * it thinks is there: refused before anything is read. One bit per host cluster of the file.
 */
async function refuseAliases(
  file: ByteSource,
  l1: Buffer,
  l1Offset: number,
  clusterSize: number,
  version: number,
): Promise<void> {
  const name = file.description;
  const used = new Uint8Array(Math.ceil(file.size / clusterSize / 8) + 1);
  const claim = (offset: number, at: number, what: string) => {
    const c = Math.floor(offset / clusterSize);
    if (used[c >> 3]! & (1 << (c & 7)))
      throw new ImageFormatError(
        name,
        what,
        at,
        "each host cluster used once (the image has no snapshots), not shared with another cluster or table",
      );
    used[c >> 3]! |= 1 << (c & 7);
  };
  claim(0, 0, "qcow2 header");
  for (let o = l1Offset; o < l1Offset + l1.length; o += clusterSize) claim(o, l1Offset, "qcow2 L1 table");
  const l2Offsets: number[] = [];
  for (let i = 0; i < l1.length / 8; i++) {
    const offset = Number(l1.readBigUInt64BE(i * 8) & OFFSET_MASK);
    if (offset === 0) continue;
    // Tables outside the file or misaligned are the readers' own errors, raised where they are read.
    if (offset % clusterSize !== 0 || offset + clusterSize > file.size) continue;
    claim(offset, l1Offset + i * 8, "qcow2 L1 entry");
    l2Offsets.push(offset);
  }
  for (const l2Offset of l2Offsets) {
    const table = await file.read(l2Offset, clusterSize);
    for (let slot = 0; slot < clusterSize; slot += 8) {
      const entry = table.readBigUInt64BE(slot);
      // Compressed clusters pack several into one host cluster by design.
      if (entry & COMPRESSED) continue;
      const offset = Number(entry & OFFSET_MASK);
      if ((version === 3 && entry & ZERO) || offset === 0) continue;
      if (offset % clusterSize !== 0 || offset + clusterSize > file.size) continue;
      claim(offset, l2Offset + slot, "qcow2 L2 entry");
    }
  }
}
