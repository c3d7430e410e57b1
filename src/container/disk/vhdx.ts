import { type ByteSource, readSourceInto } from "../../io/bytes.js";
import { ExternalReferenceError, ImageFormatError, TargetError } from "../../io/errors.js";
import { crc32c, guidAt, unitReader } from "./util.js";

// [MS-VHDX] 2.0: file identifier "vhdxfile" at 0, two headers at 64 KiB / 128 KiB (CRC-32C, the
// higher sequence number wins), region tables at 192 KiB / 256 KiB, a metadata region and a BAT
// whose payload entries are interleaved with one sector-bitmap entry per chunk. Little-endian.
const KiB = 1024;
const MiB = 1024 * KiB;
const BAT_GUID = "2DC27766-F623-4200-9D64-115E9BFD4A08";
const METADATA_GUID = "8B7CA206-4790-4B9A-B8FE-575F050F886E";
const FILE_PARAMETERS = "CAA16737-FA36-4D43-B3B6-33F0AA44E76B";
const VIRTUAL_DISK_SIZE = "2FA54224-CD1B-4876-B211-5DBED83BF4B8";
const LOGICAL_SECTOR_SIZE = "8141BF1D-A96F-4709-BA47-F233A8FAAB5F";
const ZERO_GUID = "00000000-0000-0000-0000-000000000000";
const MAX_BAT_BYTES = 64 * MiB;

export function isVhdx(head: Buffer): boolean {
  return head.length >= 8 && head.toString("latin1", 0, 8) === "vhdxfile";
}

export interface VhdxInfo {
  blockSize: number;
  logicalSectorSize: number;
}

function checksummed(buf: Buffer, at: number): boolean {
  const stored = buf.readUInt32LE(at);
  const copy = Buffer.from(buf);
  copy.writeUInt32LE(0, at);
  return crc32c(copy) === stored;
}

export async function openVhdx(file: ByteSource): Promise<{ source: ByteSource; info: VhdxInfo }> {
  const name = file.description;
  if (file.size < 1 * MiB)
    throw new ImageFormatError(name, "VHDX file", 0, "at least the 1 MiB header section");
  let header: Buffer | undefined;
  for (const at of [64 * KiB, 128 * KiB]) {
    const h = await file.read(at, 4 * KiB);
    if (h.toString("latin1", 0, 4) !== "head" || !checksummed(h, 4)) continue;
    if (!header || h.readBigUInt64LE(8) > header.readBigUInt64LE(8)) header = h;
  }
  if (!header)
    throw new ImageFormatError(
      name,
      "VHDX header",
      64 * KiB,
      "a header with signature head and a valid CRC-32C",
    );
  if (guidAt(header, 48) !== ZERO_GUID)
    throw new TargetError(
      name,
      "VHDX log is not empty (the disk was not closed cleanly): log replay is not supported; open and close it in Hyper-V or convert it with qemu-img first",
    );
  let regions: Buffer | undefined;
  for (const at of [192 * KiB, 256 * KiB]) {
    const r = await file.read(at, 64 * KiB);
    if (r.toString("latin1", 0, 4) === "regi" && checksummed(r, 4)) {
      regions = r;
      break;
    }
  }
  if (!regions)
    throw new ImageFormatError(name, "VHDX region table", 192 * KiB, "signature regi and a valid CRC-32C");
  const count = regions.readUInt32LE(8);
  if (count > 2047)
    throw new ImageFormatError(name, "VHDX region table", 192 * KiB + 8, "at most 2047 entries");
  const region = new Map<string, { offset: number; length: number }>();
  for (let i = 0; i < count; i++) {
    const e = 16 + i * 32;
    region.set(guidAt(regions, e), {
      offset: Number(regions.readBigUInt64LE(e + 16)),
      length: regions.readUInt32LE(e + 24),
    });
  }
  const batRegion = region.get(BAT_GUID);
  const metaRegion = region.get(METADATA_GUID);
  if (!batRegion || !metaRegion)
    throw new ImageFormatError(name, "VHDX region table", 192 * KiB, "BAT and metadata regions");
  if (metaRegion.offset + metaRegion.length > file.size || metaRegion.length < 64 * KiB)
    throw new ImageFormatError(name, "VHDX metadata region", metaRegion.offset, "a region inside the file");
  const meta = await file.read(metaRegion.offset, metaRegion.length);
  if (meta.toString("latin1", 0, 8) !== "metadata")
    throw new ImageFormatError(name, "VHDX metadata table", metaRegion.offset, "signature metadata");
  const items = new Map<string, Buffer>();
  const metaCount = meta.readUInt16LE(10);
  if (metaCount > 2047)
    throw new ImageFormatError(name, "VHDX metadata table", metaRegion.offset + 10, "at most 2047 entries");
  for (let i = 0; i < metaCount; i++) {
    const e = 32 + i * 32;
    const off = meta.readUInt32LE(e + 16);
    const len = meta.readUInt32LE(e + 20);
    if (off + len > meta.length)
      throw new ImageFormatError(
        name,
        "VHDX metadata entry",
        metaRegion.offset + e,
        "an item inside the region",
      );
    items.set(guidAt(meta, e), meta.subarray(off, off + len));
  }
  const params = items.get(FILE_PARAMETERS);
  const sizeItem = items.get(VIRTUAL_DISK_SIZE);
  const sectorItem = items.get(LOGICAL_SECTOR_SIZE);
  if (
    !params ||
    params.length < 8 ||
    !sizeItem ||
    sizeItem.length < 8 ||
    !sectorItem ||
    sectorItem.length < 4
  )
    throw new ImageFormatError(
      name,
      "VHDX metadata",
      metaRegion.offset,
      "file parameters, virtual disk size and logical sector size",
    );
  const blockSize = params.readUInt32LE(0);
  if (params.readUInt32LE(4) & 2)
    throw new ExternalReferenceError(
      name,
      "VHDX is a differencing disk (has a parent): scan the merged image",
    );
  const size = Number(sizeItem.readBigUInt64LE(0));
  const logicalSectorSize = sectorItem.readUInt32LE(0);
  if (blockSize < 1 * MiB || blockSize > 256 * MiB || (blockSize & (blockSize - 1)) !== 0)
    throw new ImageFormatError(
      name,
      "VHDX file parameters",
      metaRegion.offset,
      "a power-of-two block size of 1..256 MiB",
    );
  if (logicalSectorSize !== 512 && logicalSectorSize !== 4096)
    throw new ImageFormatError(name, "VHDX logical sector size", metaRegion.offset, "512 or 4096");
  if (!Number.isSafeInteger(size) || size > 64 * 1024 * 1024 * MiB)
    throw new ImageFormatError(name, "VHDX virtual disk size", metaRegion.offset, "at most 64 TiB");
  const chunkRatio = (2 ** 23 * logicalSectorSize) / blockSize;
  const blocks = Math.ceil(size / blockSize);
  const batEntries = blocks + Math.floor((blocks - 1) / chunkRatio);
  if (
    batEntries * 8 > batRegion.length ||
    batRegion.length > MAX_BAT_BYTES ||
    batRegion.offset + batRegion.length > file.size
  )
    throw new ImageFormatError(
      name,
      "VHDX BAT",
      batRegion.offset,
      `${batEntries} entries inside the region and the file`,
    );
  const bat = await file.read(batRegion.offset, batEntries * 8);

  /** Where a block's bytes lie in the file, -1 for a block that reads as zeros. */
  const locate = async (block: number, within: number, length: number): Promise<number> => {
    const index = block + Math.floor(block / chunkRatio);
    const entry = bat.readBigUInt64LE(index * 8);
    const state = Number(entry & 7n);
    // 6 = fully present; 0/1/2/3 = not present, undefined, zero, unmapped: reads as zeros.
    if (state === 0 || state === 1 || state === 2 || state === 3) return -1;
    if (state !== 6)
      throw new ImageFormatError(
        name,
        "VHDX BAT entry",
        batRegion.offset + index * 8,
        "payload block state 0-3 or 6",
      );
    const at = Number(entry >> 20n) * MiB;
    if (at < 1 * MiB || at + within + length > file.size)
      throw new ImageFormatError(
        name,
        "VHDX BAT entry",
        batRegion.offset + index * 8,
        `block ${block} inside the file`,
      );
    return at + within;
  };
  const readUnitInto = async (block: number, within: number, target: Buffer): Promise<void> => {
    const at = await locate(block, within, target.length);
    if (at === -1) target.fill(0);
    else await readSourceInto(file, at, target);
  };
  return {
    source: unitReader(name, size, blockSize, readUnitInto, () => file.close(), {
      host: file.hostFile,
      unit: locate,
    }),
    info: { blockSize, logicalSectorSize },
  };
}
