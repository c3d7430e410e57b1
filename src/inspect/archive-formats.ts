import { detectCompression, startsWithBytes } from "../target/tar/compression.js";
import { checksumOk } from "../target/tar/parse.js";

/**
 * Archives and compressed files inside an image, told from their first bytes (never their names:
 * a backup is often called `site.bak` or `dump`). "opened" formats are read member by member; the
 * others are only named in the report (no decoder here). bzip2 is decoded by the bzip2 program.
 */
export type ArchiveFormat = "gzip" | "xz" | "zstd" | "bzip2" | "tar" | "zip" | NotOpenedFormat;
export type NotOpenedFormat = "7z" | "rar";

const ZIP_LOCAL = 0x04034b50;
const ZIP_EMPTY = 0x06054b50;
const SEVEN_Z = [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c];
const RAR = [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07]; // "Rar!\x1a\x07"
const BZIP2 = [0x42, 0x5a, 0x68]; // "BZh"
/** A bzip2 block's magic (pi) and its end-of-stream magic (sqrt(pi)), after "BZh" and the level. */
const BZIP2_BLOCK = [0x31, 0x41, 0x59, 0x26, 0x53, 0x59];
const BZIP2_END = [0x17, 0x72, 0x45, 0x38, 0x50, 0x90];

/**
 * The archive or compression format `head` (a file's first bytes, 512 at least for tar) starts, if
 * any. Asked of every file the content pass reads: bytes are compared in place, nothing allocated
 * (a content thread spent ~50 ms of a 30 k-file scan making strings and views for these checks).
 */
export function archiveFormatOf(head: Buffer): ArchiveFormat | undefined {
  const compression = detectCompression(head);
  if (compression !== "none") return compression;
  if (head.length >= 4) {
    const magic = head.readUInt32LE(0);
    if (magic === ZIP_LOCAL || magic === ZIP_EMPTY) return "zip";
  }
  // "BZh" and a block size 1–9, then a block's or the end's magic (bzip2's own format description).
  if (head.length >= 10 && startsWithBytes(head, BZIP2) && head[3]! >= 0x31 && head[3]! <= 0x39) {
    if (startsWithBytes(head, BZIP2_BLOCK, 4) || startsWithBytes(head, BZIP2_END, 4)) return "bzip2";
  }
  if (startsWithBytes(head, SEVEN_Z)) return "7z";
  if (startsWithBytes(head, RAR)) return "rar";
  if (isTarHeader(head)) return "tar";
  return undefined;
}

/**
 * A tar header: its checksum field (octal, at 148) is the sum of the block's bytes with the field
 * taken as spaces. The "ustar" magic alone is not enough: a JavaScript tar library's source holds
 * it at byte 257 too (tar-stream's headers.js in a node_modules tree was taken for a damaged tar).
 */
function isTarHeader(head: Buffer): boolean {
  // An all-zero block sums to 256 (the spaces) and stores 0: never a header.
  return head.length >= 512 && checksumOk(head.subarray(0, 512));
}

export function isOpened(format: ArchiveFormat): format is Exclude<ArchiveFormat, NotOpenedFormat> {
  return format !== "7z" && format !== "rar";
}

/** Separates an archive's path from a member's: `/root/site.tar.gz!/var/www/wp-config.php`. */
export const MEMBER_SEPARATOR = "!/";

/** A member's path: the archive's, the separator, and the member's name without a leading `./` or `/`. */
export function memberPath(archive: string, name: string): string {
  const clean = name.replace(/^(?:\.?\/)+/, "").replace(/\/+$/, "");
  return `${archive}${MEMBER_SEPARATOR}${clean}`;
}

/**
 * What a compressed file decompresses to, named as gunzip, unxz, unzstd and bunzip2 name it
 * (`auth.log.2.gz` → `auth.log.2`, `site.tgz` → `site.tar`); `content` when the name has no suffix.
 */
export function decompressedName(path: string): string {
  const base = path.slice(path.lastIndexOf("/") + 1);
  const tarred = /\.(?:tgz|taz|txz|tzst|tbz2?)$/i.exec(base);
  if (tarred) return `${base.slice(0, tarred.index)}.tar`;
  const plain = /\.(?:gz|z|xz|zst|bz2)$/i.exec(base);
  return plain && plain.index > 0 ? base.slice(0, plain.index) : "content";
}

/**
 * Whether a finding's path is inside an archive: `fix` edits files, never an archive's members, so
 * what it finds there is the seller's to remove by hand.
 */
export function isArchiveMember(path: string | undefined): boolean {
  return path?.includes(MEMBER_SEPARATOR) === true;
}
