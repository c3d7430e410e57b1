import type { ByteSource } from "../../io/bytes.js";
import { ImageFormatError } from "../../io/errors.js";
import type { XfsSuperblock } from "./superblock.js";

/**
 * Addressing on one XFS filesystem: inode numbers and filesystem block numbers are both
 * (AG, block-in-AG) pairs packed with agblklog bits for the block (xfs_format.h XFS_INO_TO_*,
 * XFS_FSB_TO_*), so neither is a linear offset.
 */
export class XfsVolume {
  readonly file: string;
  constructor(
    readonly source: ByteSource,
    readonly sb: XfsSuperblock,
  ) {
    this.file = source.description;
  }

  error(structure: string, offset: number, expected: string): ImageFormatError {
    return new ImageFormatError(this.file, structure, offset, expected);
  }

  /** Byte offset of filesystem block `fsb` + `count` blocks, checked against the AG and the image. */
  fsbToByte(fsb: number, count: number, structure: string): number {
    const { agBlockLog, agBlocks, agCount, blockSize } = this.sb;
    const agno = Math.floor(fsb / 2 ** agBlockLog);
    const agbno = fsb % 2 ** agBlockLog;
    if (!Number.isSafeInteger(fsb) || agno >= agCount || agbno + count > agBlocks)
      throw this.error(
        structure,
        -1,
        `blocks inside the filesystem (block ${fsb}+${count} is past AG ${agno}'s end)`,
      );
    const byte = (agno * agBlocks + agbno) * blockSize;
    if (byte + count * blockSize > this.source.size)
      throw this.error(structure, byte, `blocks inside the image (${this.source.size} bytes)`);
    return byte;
  }

  /** Byte offset of inode `ino`. */
  inodeToByte(ino: number): number {
    const { agBlockLog, inodesPerBlockLog, agCount, agBlocks, blockSize, inodeSize } = this.sb;
    if (!Number.isSafeInteger(ino) || ino <= 0)
      throw this.error("XFS inode number", -1, `a valid inode number (got ${ino})`);
    const perAg = 2 ** (agBlockLog + inodesPerBlockLog);
    const agno = Math.floor(ino / perAg);
    const rest = ino % perAg;
    const agbno = Math.floor(rest / 2 ** inodesPerBlockLog);
    const index = rest % 2 ** inodesPerBlockLog;
    if (agno >= agCount || agbno >= agBlocks)
      throw this.error(
        "XFS inode number",
        -1,
        `an inode inside the filesystem (inode ${ino} is in AG ${agno} block ${agbno})`,
      );
    const byte = (agno * agBlocks + agbno) * blockSize + index * inodeSize;
    if (byte + inodeSize > this.source.size)
      throw this.error("XFS inode", byte, `an inode inside the image (${this.source.size} bytes)`);
    return byte;
  }

  async readBlocks(fsb: number, count: number, structure: string): Promise<Buffer> {
    const byte = this.fsbToByte(fsb, count, structure);
    return this.source.read(byte, count * this.sb.blockSize);
  }
}
