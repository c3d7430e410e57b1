import type { FileType } from "../filetree.js";
import { typeOfMode } from "../mode.js";
import type { XfsVolume } from "./volume.js";

/** di_format values (xfs_format.h enum xfs_dinode_fmt). */
export const FORMAT = { dev: 0, local: 1, extents: 2, btree: 3 } as const;

const DINODE_MAGIC = 0x494e; // "IN"
const FLAG_REALTIME = 0x1; // di_flags: data lives on the realtime device
const FLAG2_BIGTIME = 0x8; // di_flags2: timestamps are nanoseconds since 1901-12-13
const FLAG2_NREXT64 = 0x10; // di_flags2: 64-bit data extent count at offset 24
/** Bigtime epoch: nanosecond 0 is -(2^31) seconds relative to 1970 (xfs_format.h XFS_BIGTIME_EPOCH_OFFSET). */
const BIGTIME_EPOCH_OFFSET_S = 2 ** 31;

export interface XfsInode {
  ino: number;
  /** Byte offset of the inode in the image, for error messages. */
  offset: number;
  mode: number;
  type: FileType;
  uid: number;
  gid: number;
  nlink: number;
  size: number;
  mtimeMs: number;
  format: number;
  nextents: number;
  realtime: boolean;
  /** The data fork's bytes (literal area up to the attribute fork). */
  dataFork: Buffer;
}

/** Reads and checks one on-disk inode (struct xfs_dinode: v2 core is 100 bytes, v3 176). */
export async function readInode(vol: XfsVolume, ino: number): Promise<XfsInode> {
  const offset = vol.inodeToByte(ino);
  const b = await vol.source.read(offset, vol.sb.inodeSize);
  const bad = (at: number, expected: string) => vol.error(`XFS inode ${ino}`, offset + at, expected);
  if (b.readUInt16BE(0) !== DINODE_MAGIC) throw bad(0, 'magic "IN"');
  const version = b[4] as number;
  if (version !== 2 && version !== 3) throw bad(4, `inode version 2 or 3 (got ${version})`);
  if (version === 3 && vol.sb.version !== 5) throw bad(4, "v2 inodes on a v4 filesystem");
  const coreSize = version === 3 ? 176 : 100;
  if (version === 3 && Number(b.readBigUInt64BE(152)) !== ino) throw bad(152, `di_ino ${ino}`);
  const mode = b.readUInt16BE(2);
  const type = typeOfMode(mode);
  // 0 is a free inode (the kernel's lookup: ENOENT), any other mode without a type is corrupt: a
  // walk that took it for an odd file would skip what lies under it without a word.
  if (type === "unknown")
    throw bad(
      2,
      `a file type in di_mode (got 0o${mode.toString(8).padStart(6, "0")}${mode === 0 ? ": a free inode" : ""})`,
    );
  const format = b[5] as number;
  const flags = b.readUInt16BE(90);
  const flags2 = version === 3 ? Number(b.readBigUInt64BE(120) & 0xffn) : 0;
  const size = Number(b.readBigInt64BE(56));
  if (size < 0 || !Number.isSafeInteger(size))
    throw bad(56, `a file size of 0..2^53 (got ${b.readBigInt64BE(56)})`);
  const nextents = flags2 & FLAG2_NREXT64 ? Number(b.readBigUInt64BE(24)) : b.readUInt32BE(76);
  const forkoff = b[82] as number;
  const forkEnd = forkoff ? coreSize + forkoff * 8 : vol.sb.inodeSize;
  if (forkEnd > vol.sb.inodeSize || forkEnd <= coreSize)
    throw bad(82, "an attribute fork offset inside the inode");
  let mtimeMs: number;
  if (flags2 & FLAG2_BIGTIME) {
    const ns = b.readBigUInt64BE(40);
    mtimeMs = Number(ns / 1000000n) - BIGTIME_EPOCH_OFFSET_S * 1000;
  } else {
    mtimeMs = b.readInt32BE(40) * 1000 + Math.floor(b.readUInt32BE(44) / 1e6);
  }
  return {
    ino,
    offset,
    mode,
    type,
    uid: b.readUInt32BE(8),
    gid: b.readUInt32BE(12),
    nlink: b.readUInt32BE(16),
    size,
    mtimeMs,
    format,
    nextents,
    realtime: (flags & FLAG_REALTIME) !== 0,
    dataFork: b.subarray(coreSize, forkEnd),
  };
}
