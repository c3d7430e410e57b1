import { ImageFormatError } from "../../io/errors.js";

/** Reparse tags that name another path (MS-FSCC 2.1.2.1). */
export const IO_REPARSE_TAG_SYMLINK = 0xa000000c;
export const IO_REPARSE_TAG_MOUNT_POINT = 0xa0000003;

export function isLinkTag(tag: number): boolean {
  return tag === IO_REPARSE_TAG_SYMLINK || tag === IO_REPARSE_TAG_MOUNT_POINT;
}

/**
 * The target of a symlink or junction as a path in this tree. The volume is taken to be the
 * system drive C:, so "\??\C:\Users" becomes "/Users" and a relative target keeps its form with
 * "/" separators. Targets elsewhere (another drive, a volume GUID, a UNC share) are returned in
 * their Windows form with backslashes: a single name that resolves to nothing here, so a link
 * is never followed off the volume.
 */
export function reparseTarget(data: Buffer, file: string, record: number): { tag: number; target: string } {
  const bad = (expected: string) =>
    new ImageFormatError(file, `MFT record ${record} $REPARSE_POINT`, -1, expected);
  if (data.length < 8) throw bad("an 8-byte reparse header");
  const tag = data.readUInt32LE(0);
  if (!isLinkTag(tag)) throw bad("a symlink or mount point reparse tag");
  const pathBuffer = tag === IO_REPARSE_TAG_SYMLINK ? 20 : 16;
  if (data.length < pathBuffer) throw bad("a symlink reparse buffer");
  const str = (off: number, len: number) => {
    if (pathBuffer + off + len > data.length || len % 2 !== 0) throw bad("names inside the reparse buffer");
    return data.toString("utf16le", pathBuffer + off, pathBuffer + off + len);
  };
  const substitute = str(data.readUInt16LE(8), data.readUInt16LE(10));
  const print = str(data.readUInt16LE(12), data.readUInt16LE(14));
  const relative = tag === IO_REPARSE_TAG_SYMLINK && (data.readUInt32LE(16) & 1) !== 0;
  if (relative) return { tag, target: substitute.replaceAll("\\", "/") };
  const raw = substitute || print;
  const m = /^(?:\\\?\?\\|\\\\\?\\)?([A-Za-z]):(\\.*)?$/.exec(raw);
  if (m && m[1]!.toUpperCase() === "C") return { tag, target: (m[2] ?? "\\").replaceAll("\\", "/") };
  return { tag, target: raw.replaceAll("/", "\\") };
}
