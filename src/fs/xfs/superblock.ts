import type { ByteSource } from "../../io/bytes.js";
import { ImageFormatError } from "../../io/errors.js";

/** "XFSB" at byte 0 of AG 0 (xfs_format.h, struct xfs_dsb; all fields big-endian). */
export const XFS_SB_MAGIC = 0x58465342;

// sb_versionnum bits (low nibble is the version) and sb_features2 / v5 feature bits (xfs_format.h).
const VERSION_MOREBITS = 0x8000;
const VERSION_DIRV2 = 0x2000;
const VERSION_BORG = 0x4000; // ASCII case-insensitive names: lookups would need folding
const FEATURES2_FTYPE = 0x200;
export const INCOMPAT = {
  ftype: 0x1,
  sparseInodes: 0x2,
  metaUuid: 0x4,
  bigtime: 0x8,
  needsRepair: 0x10,
  nrext64: 0x20,
  exchangeRange: 0x40,
  parentPointers: 0x80,
} as const;
/** Incompatible features that do not change how files, directories and extents are laid out. */
const INCOMPAT_READABLE =
  INCOMPAT.ftype |
  INCOMPAT.sparseInodes |
  INCOMPAT.metaUuid |
  INCOMPAT.bigtime |
  INCOMPAT.nrext64 |
  INCOMPAT.exchangeRange |
  INCOMPAT.parentPointers;

export interface XfsSuperblock {
  version: 4 | 5;
  blockSize: number;
  blockLog: number;
  sectorSize: number;
  dataBlocks: number;
  rootIno: number;
  agBlocks: number;
  agCount: number;
  agBlockLog: number;
  inodeSize: number;
  inodeLog: number;
  inodesPerBlockLog: number;
  /** Directory block = blockSize << dirBlockLog. */
  dirBlockLog: number;
  /** Directory entries carry a file type byte. */
  ftype: boolean;
  incompat: number;
}

const log2 = (n: number) => (n > 0 && (n & (n - 1)) === 0 ? Math.log2(n) : -1);

/** Parses and checks the primary superblock; refuses features that change the layout we read. */
export async function readSuperblock(source: ByteSource): Promise<XfsSuperblock> {
  const file = source.description;
  if (source.size < 512) throw new ImageFormatError(file, "XFS superblock", 0, "at least 512 bytes");
  const b = await source.read(0, 512);
  const bad = (offset: number, expected: string) =>
    new ImageFormatError(file, "XFS superblock", offset, expected);
  if (b.readUInt32BE(0) !== XFS_SB_MAGIC) throw bad(0, 'magic "XFSB"');
  const versionnum = b.readUInt16BE(100);
  const version = versionnum & 0xf;
  if (version !== 4 && version !== 5) throw bad(100, `version 4 or 5, not ${version}`);
  const blockSize = b.readUInt32BE(4);
  const blockLog = b[120] as number;
  if (blockSize < 512 || blockSize > 65536 || log2(blockSize) !== blockLog)
    throw bad(4, `a block size that is a power of two in 512..65536 (got ${blockSize}, log ${blockLog})`);
  const sectorSize = b.readUInt16BE(102);
  if (log2(sectorSize) < 9 || sectorSize > 32768 || log2(sectorSize) !== b[121])
    throw bad(102, `a sector size that is a power of two in 512..32768 (got ${sectorSize})`);
  const agBlocks = b.readUInt32BE(84);
  const agCount = b.readUInt32BE(88);
  const agBlockLog = b[124] as number;
  if (
    agBlocks < 5 ||
    agCount < 1 ||
    agBlockLog > 31 ||
    agBlocks > 2 ** agBlockLog ||
    agBlocks <= 2 ** (agBlockLog - 1)
  )
    throw bad(
      84,
      `consistent AG geometry (agblocks ${agBlocks}, agcount ${agCount}, agblklog ${agBlockLog})`,
    );
  const dataBlocks = Number(b.readBigUInt64BE(8));
  if (dataBlocks > agBlocks * agCount || dataBlocks <= agBlocks * (agCount - 1))
    throw bad(8, `dblocks within agcount × agblocks (got ${dataBlocks})`);
  const inodeSize = b.readUInt16BE(104);
  const inodeLog = b[122] as number;
  const inodesPerBlockLog = b[123] as number;
  if (
    inodeSize < 256 ||
    inodeSize > 2048 ||
    log2(inodeSize) !== inodeLog ||
    blockLog - inodeLog !== inodesPerBlockLog
  )
    throw bad(104, `an inode size of 256..2048 that divides the block (got ${inodeSize})`);
  if (version === 4 && inodeSize < 256) throw bad(104, "256-byte inodes");
  if (agBlockLog + inodesPerBlockLog + 6 > 53) throw bad(124, "inode numbers that fit in 53 bits");
  const dirBlockLog = b[192] as number;
  if (blockLog + dirBlockLog > 16) throw bad(192, "a directory block of at most 64 KiB");
  const features2 = versionnum & VERSION_MOREBITS ? b.readUInt32BE(200) : 0;
  let incompat = 0;
  if (version === 5) {
    incompat = b.readUInt32BE(216);
    if (incompat & INCOMPAT.needsRepair)
      throw bad(216, "no needsrepair flag (xfs_repair must finish on this filesystem first)");
    const unknown = incompat & ~INCOMPAT_READABLE;
    if (unknown) throw bad(216, `only known incompatible features (unknown bits 0x${unknown.toString(16)})`);
  } else {
    if (!(versionnum & VERSION_DIRV2)) throw bad(100, "version 2 directories");
  }
  if (versionnum & VERSION_BORG) throw bad(100, "case-sensitive names (ASCII-CI filesystems are not read)");
  const rootIno = Number(b.readBigUInt64BE(56));
  return {
    version,
    blockSize,
    blockLog,
    sectorSize,
    dataBlocks,
    rootIno,
    agBlocks,
    agCount,
    agBlockLog,
    inodeSize,
    inodeLog,
    inodesPerBlockLog,
    dirBlockLog,
    ftype: version === 5 ? (incompat & INCOMPAT.ftype) !== 0 : (features2 & FEATURES2_FTYPE) !== 0,
    incompat,
  };
}

/** True when the bytes at 0 look like an XFS superblock (magic and a sane version). */
export async function isXfs(source: ByteSource): Promise<boolean> {
  if (source.size < 512) return false;
  const b = await source.read(0, 512);
  const version = b.readUInt16BE(100) & 0xf;
  return b.readUInt32BE(0) === XFS_SB_MAGIC && (version === 4 || version === 5);
}
