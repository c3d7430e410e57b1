import { ImageFormatError } from "../../../io/errors.js";

/**
 * rpm's NDB package database (Packages.db, SUSE; rpm lib/backend/ndb/rpmpkg.c). Little-endian.
 * File header: "RpmP", version, generation, slot page count, next package index. Slots of 16 bytes
 * ("Slot", pkgidx, blkoff, blkcnt) fill the slot pages after the 32-byte header; blocks are 16
 * bytes; a blob starts with "BlbS", pkgidx, generation, length, then the header blob.
 */
const PAGE = 4096;
const BLOCK = 16;
const MAGIC = 0x506d7052; // "RpmP"
const SLOT_MAGIC = 0x746f6c53; // "Slot"
const BLOB_MAGIC = 0x53626c42; // "BlbS"

export function readNdbBlobs(db: Buffer, file: string): Buffer[] {
  if (db.length < 32 || db.readUInt32LE(0) !== MAGIC)
    throw new ImageFormatError(file, "ndb header", 0, '"RpmP" magic');
  const slotPages = db.readUInt32LE(12);
  if (slotPages === 0 || slotPages * PAGE > db.length) {
    throw new ImageFormatError(file, "ndb header", 12, `slot pages within the file (${slotPages})`);
  }
  const blobs: Buffer[] = [];
  for (let s = 32; s + 16 <= slotPages * PAGE; s += 16) {
    if (db.readUInt32LE(s) !== SLOT_MAGIC) throw new ImageFormatError(file, "ndb slot", s, '"Slot" magic');
    const pkgIdx = db.readUInt32LE(s + 4);
    if (pkgIdx === 0) continue; // free slot
    const off = db.readUInt32LE(s + 8) * BLOCK;
    const blocks = db.readUInt32LE(s + 12);
    if (off + 16 > db.length || blocks * BLOCK > db.length - off || db.readUInt32LE(off) !== BLOB_MAGIC) {
      throw new ImageFormatError(file, `ndb blob of package ${pkgIdx}`, off, '"BlbS" inside the file');
    }
    if (db.readUInt32LE(off + 4) !== pkgIdx)
      throw new ImageFormatError(file, "ndb blob", off + 4, `package index ${pkgIdx}`);
    const len = db.readUInt32LE(off + 12);
    if (len > blocks * BLOCK || off + 16 + len > db.length)
      throw new ImageFormatError(file, "ndb blob", off + 12, "a length inside its blocks");
    blobs.push(db.subarray(off + 16, off + 16 + len));
  }
  return blobs;
}
