import { ImageFormatError } from "../../../io/errors.js";

/**
 * The BerkeleyDB hash database rpm used before 4.16 (Packages on Amazon Linux 2, CentOS 7, RHEL 8).
 * Layout from Berkeley DB's dbinc/db_page.h: page 0 is the hash metadata page (magic 0x061561 at
 * offset 12, page size at 20, last page number at 32); every page has a 26-byte header (next page
 * at 16, entry count at 20, high-free offset at 22, type at 25). Hash pages (type 13) hold an
 * array of item offsets, alternately key and data; a data item of type H_OFFPAGE (3) names the
 * first overflow page (type 7) of a chain holding the rpm header blob.
 */
const HASH_MAGIC = 0x061561;
const P_OVERFLOW = 7;
const P_HASH = 13;
const H_KEYDATA = 1;
const H_OFFPAGE = 3;
const PAGE_HEADER = 26;

export function readBdbBlobs(db: Buffer, file: string): Buffer[] {
  if (db.length < 512) throw new ImageFormatError(file, "Berkeley DB metadata page", 0, "at least 512 bytes");
  let le = true;
  if (db.readUInt32LE(12) !== HASH_MAGIC) {
    if (db.readUInt32BE(12) !== HASH_MAGIC)
      throw new ImageFormatError(file, "Berkeley DB metadata page", 12, "hash magic 0x061561");
    le = false;
  }
  const u32 = (o: number) => (le ? db.readUInt32LE(o) : db.readUInt32BE(o));
  const u16 = (o: number) => (le ? db.readUInt16LE(o) : db.readUInt16BE(o));
  const pageSize = u32(20);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) {
    throw new ImageFormatError(
      file,
      "Berkeley DB metadata page",
      20,
      `a power-of-two page size (${pageSize})`,
    );
  }
  const pages = Math.min(u32(32) + 1, Math.floor(db.length / pageSize));
  const blobs: Buffer[] = [];
  for (let p = 1; p < pages; p++) {
    const base = p * pageSize;
    if (db[base + 25] !== P_HASH) continue;
    const entries = u16(base + 20);
    if (PAGE_HEADER + entries * 2 > pageSize)
      throw new ImageFormatError(file, `hash page ${p}`, base + 20, "entries that fit the page");
    for (let i = 1; i < entries; i += 2) {
      const itemOff = u16(base + PAGE_HEADER + i * 2);
      if (itemOff >= pageSize)
        throw new ImageFormatError(
          file,
          `hash page ${p} item ${i}`,
          base + PAGE_HEADER + i * 2,
          "an offset inside the page",
        );
      const item = base + itemOff;
      const type = db[item];
      if (type === H_OFFPAGE) {
        if (itemOff + 12 > pageSize) throw new ImageFormatError(file, "H_OFFPAGE item", item, "12 bytes");
        blobs.push(readOverflow(db, file, u32(item + 4), u32(item + 8), pageSize, pages, u32, u16));
      } else if (type === H_KEYDATA) {
        // Inline data runs to the previous item (items are packed from the page's end).
        const prevEnd = i === 0 ? pageSize : u16(base + PAGE_HEADER + (i - 1) * 2);
        if (prevEnd > itemOff + 9 && prevEnd <= pageSize) blobs.push(db.subarray(item + 1, base + prevEnd));
      }
    }
  }
  return blobs;
}

function readOverflow(
  db: Buffer,
  file: string,
  first: number,
  total: number,
  pageSize: number,
  pages: number,
  u32: (o: number) => number,
  u16: (o: number) => number,
): Buffer {
  if (total > pages * pageSize)
    throw new ImageFormatError(
      file,
      "overflow item",
      first * pageSize,
      `a length within the file (${total})`,
    );
  const out = Buffer.alloc(total);
  let filled = 0;
  let page = first;
  // Each page is visited at most once: the chain cannot be longer than the file.
  for (let hops = 0; filled < total; hops++) {
    if (page === 0 || page >= pages || hops >= pages) {
      throw new ImageFormatError(
        file,
        "overflow chain",
        page * pageSize,
        "a page inside the file, visited once",
      );
    }
    const base = page * pageSize;
    if (db[base + 25] !== P_OVERFLOW)
      throw new ImageFormatError(file, `overflow page ${page}`, base + 25, "page type 7");
    const used = Math.min(u16(base + 22), pageSize - PAGE_HEADER, total - filled);
    db.copy(out, filled, base + PAGE_HEADER, base + PAGE_HEADER + used);
    filled += used;
    page = u32(base + 16);
  }
  return out;
}
