import { ImageFormatError } from "./errors.js";

/**
 * Random access to the bytes of an image or a part of one (a partition, a logical volume, the
 * virtual disk inside a VMDK/VHD/qcow2). Filesystem readers read through this and nothing else.
 */
export interface ByteSource {
  /** What this is, for error messages: "disk.vmdk", "disk.vmdk partition 2", "LV vg0/root". */
  readonly description: string;
  /** Length in bytes. */
  readonly size: number;
  /**
   * Reads exactly `length` bytes at `offset` (zero-filled where the source is sparse). Throws
   * ImageFormatError when the range lies past the end.
   */
  read(offset: number, length: number): Promise<Buffer>;
  /**
   * Optional: reads `target.length` bytes at `offset` into `target`, as read() would. For callers
   * that reuse one buffer for many short-lived reads: every read()'s buffer lives until a garbage
   * collection, and a scan reading gigabytes through fresh buffers held tens of MB of them.
   */
  readInto?(offset: number, target: Buffer): Promise<void>;
  /**
   * Set when this source's bytes lie as they are in a host file the process has open (a raw disk,
   * a partition of one, a one-segment linear volume): byte `i` of the source is byte `offset + i`
   * of descriptor `fd`. Another thread of the process may then read them itself.
   */
  readonly hostFile?: HostFile;
  close(): Promise<void>;
}

/** Where a source's bytes lie in an open host file (ByteSource.hostFile). */
export interface HostFile {
  fd: number;
  offset: number;
}

/**
 * Throws ImageFormatError (structure "read range", at `offset`) unless [offset, offset + length)
 * lies within `size` bytes. `whose` names the whole in the message: "the file's", "the blob's".
 */
export function checkReadRange(
  description: string,
  size: number,
  offset: number,
  length: number,
  whose = "",
): void {
  if (
    !Number.isSafeInteger(offset) ||
    !Number.isSafeInteger(length) ||
    offset < 0 ||
    length < 0 ||
    offset + length > size
  )
    throw new ImageFormatError(
      description,
      "read range",
      offset,
      `${length} bytes within ${whose ? `${whose} ` : ""}${size} bytes`,
    );
}
