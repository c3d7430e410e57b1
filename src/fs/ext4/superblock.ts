import { ImageFormatError } from "../../io/errors.js";

/** The superblock sits 1024 bytes into the filesystem whatever the block size; magic at +0x38. */
export const SUPERBLOCK_OFFSET = 1024;
export const SUPERBLOCK_SIZE = 1024;
export const EXT_MAGIC = 0xef53;

// s_feature_incompat bits (ext4 on-disk format, "Superblock" table).
export const INCOMPAT = {
  COMPRESSION: 0x1,
  FILETYPE: 0x2,
  RECOVER: 0x4,
  JOURNAL_DEV: 0x8,
  META_BG: 0x10,
  EXTENTS: 0x40,
  BIT64: 0x80,
  MMP: 0x100,
  FLEX_BG: 0x200,
  EA_INODE: 0x400,
  DIRDATA: 0x1000,
  CSUM_SEED: 0x2000,
  LARGEDIR: 0x4000,
  INLINE_DATA: 0x8000,
  ENCRYPT: 0x10000,
  CASEFOLD: 0x20000,
} as const;

/** Incompatible features that change where or how bytes are laid out and that we do not read. */
const REFUSED: ReadonlyArray<[number, string]> = [
  [INCOMPAT.COMPRESSION, "compression"],
  [INCOMPAT.JOURNAL_DEV, "journal_dev (an external journal device holds no files)"],
  [INCOMPAT.DIRDATA, "dirdata (extra data in directory entries)"],
];
const UNDERSTOOD = Object.values(INCOMPAT).reduce((a, b) => a | b, 0);

const RO_COMPAT_SPARSE_SUPER = 0x1;
const RO_COMPAT_METADATA_CSUM = 0x400;
const COMPAT_SPARSE_SUPER2 = 0x200;

export interface Superblock {
  inodesCount: number;
  blocksCount: number;
  firstDataBlock: number;
  blockSize: number;
  blocksPerGroup: number;
  inodesPerGroup: number;
  inodeSize: number;
  /** Bytes per group descriptor: 32, or s_desc_size with INCOMPAT_64BIT. */
  descSize: number;
  groupCount: number;
  firstMetaBg: number;
  compat: number;
  incompat: number;
  roCompat: number;
  hasFiletype: boolean;
  hasMetaBg: boolean;
  hasInlineData: boolean;
  hasMetadataCsum: boolean;
  sparseSuper: boolean;
  /** s_backup_bgs with sparse_super2. */
  backupGroups: [number, number] | undefined;
  volumeName: string;
}

/** True when the bytes at 1024+56 carry the ext2/3/4 magic. */
export function hasExtMagic(head: Buffer): boolean {
  return head.length >= SUPERBLOCK_OFFSET + 0x3a && head.readUInt16LE(SUPERBLOCK_OFFSET + 0x38) === EXT_MAGIC;
}

/**
 * Parses and sanity-checks the superblock (`sb` is its 1024 bytes). Checksums are not verified:
 * a scanner wants what is readable, and every structure is bounds-checked as it is used.
 */
export function parseSuperblock(sb: Buffer, file: string, sourceSize: number): Superblock {
  const fail = (field: number, expected: string): never => {
    throw new ImageFormatError(file, "ext superblock", SUPERBLOCK_OFFSET + field, expected);
  };
  if (sb.readUInt16LE(0x38) !== EXT_MAGIC) fail(0x38, "magic 0xEF53");
  const logBlock = sb.readUInt32LE(0x18);
  if (logBlock > 6) fail(0x18, "s_log_block_size 0..6 (1 KiB to 64 KiB blocks)");
  const blockSize = 1024 << logBlock;
  const revLevel = sb.readUInt32LE(0x4c);
  const incompat = revLevel === 0 ? 0 : sb.readUInt32LE(0x60);
  for (const [bit, name] of REFUSED)
    if (incompat & bit) fail(0x60, `no ${name} feature (INCOMPAT 0x${bit.toString(16)})`);
  const unknown = (incompat & ~UNDERSTOOD) >>> 0;
  if (unknown) fail(0x60, `only known INCOMPAT features (unknown bits 0x${unknown.toString(16)})`);
  const is64 = (incompat & INCOMPAT.BIT64) !== 0;
  const blocksCount = sb.readUInt32LE(0x4) + (is64 ? sb.readUInt32LE(0x150) * 2 ** 32 : 0);
  const inodesCount = sb.readUInt32LE(0x0);
  const firstDataBlock = sb.readUInt32LE(0x14);
  const blocksPerGroup = sb.readUInt32LE(0x20);
  const inodesPerGroup = sb.readUInt32LE(0x28);
  const inodeSize = revLevel === 0 ? 128 : sb.readUInt16LE(0x58);
  if (blocksCount === 0 || blocksCount * blockSize > 2 ** 53)
    fail(0x4, "a block count whose bytes fit in 2^53");
  if (firstDataBlock >= blocksCount) fail(0x14, "s_first_data_block inside the filesystem");
  if (blocksPerGroup === 0 || blocksPerGroup > blockSize * 8)
    fail(0x20, `1..${blockSize * 8} blocks per group`);
  if (inodesPerGroup === 0 || inodesPerGroup > blockSize * 8)
    fail(0x28, `1..${blockSize * 8} inodes per group`);
  if (inodeSize < 128 || inodeSize > blockSize || (inodeSize & (inodeSize - 1)) !== 0)
    fail(0x58, "a power-of-two inode size from 128 to the block size");
  const groupCount = Math.ceil((blocksCount - firstDataBlock) / blocksPerGroup);
  if (inodesCount === 0 || inodesCount > groupCount * inodesPerGroup)
    fail(0x0, "s_inodes_count within groups × inodes per group");
  // A filesystem claiming far more blocks than the image holds is damaged or truncated; a little
  // slack is fine (an image cut at the last used block still reads).
  if (blocksCount * blockSize > sourceSize * 64 + 2 ** 30)
    fail(0x4, `a block count near the image size (${sourceSize} bytes)`);
  let descSize = 32;
  if (is64) {
    descSize = sb.readUInt16LE(0xfe);
    if (descSize < 32 || descSize > blockSize || (descSize & (descSize - 1)) !== 0)
      fail(0xfe, "s_desc_size a power of two ≥ 32 with INCOMPAT_64BIT");
  }
  const roCompat = revLevel === 0 ? 0 : sb.readUInt32LE(0x64);
  const compat = revLevel === 0 ? 0 : sb.readUInt32LE(0x5c);
  const nameEnd = sb.indexOf(0, 0x78);
  return {
    inodesCount,
    blocksCount,
    firstDataBlock,
    blockSize,
    blocksPerGroup,
    inodesPerGroup,
    inodeSize,
    descSize,
    groupCount,
    firstMetaBg: sb.readUInt32LE(0x104),
    compat,
    incompat,
    roCompat,
    hasFiletype: (incompat & INCOMPAT.FILETYPE) !== 0,
    hasMetaBg: (incompat & INCOMPAT.META_BG) !== 0,
    hasInlineData: (incompat & INCOMPAT.INLINE_DATA) !== 0,
    hasMetadataCsum: (roCompat & RO_COMPAT_METADATA_CSUM) !== 0,
    sparseSuper: (roCompat & RO_COMPAT_SPARSE_SUPER) !== 0,
    backupGroups:
      compat & COMPAT_SPARSE_SUPER2 ? [sb.readUInt32LE(0x24c), sb.readUInt32LE(0x250)] : undefined,
    volumeName: sb.toString("latin1", 0x78, nameEnd < 0 || nameEnd > 0x88 ? 0x88 : nameEnd),
  };
}

function isPowerOf(n: number, base: number): boolean {
  let x = n;
  while (x > 1 && x % base === 0) x /= base;
  return x === 1;
}

/** Whether group `g` carries a superblock backup (and so its descriptor copy is shifted by one). */
export function groupHasSuper(sb: Superblock, g: number): boolean {
  if (g === 0) return true;
  if (sb.backupGroups) return g === sb.backupGroups[0] || g === sb.backupGroups[1];
  if (!sb.sparseSuper) return true;
  return g === 1 || isPowerOf(g, 3) || isPowerOf(g, 5) || isPowerOf(g, 7);
}
