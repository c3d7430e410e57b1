import { ImageFormatError } from "../../io/errors.js";
import { applyFixups } from "./fixup.js";
import { AttrType, type FileName, mftRecordNumber, parseFileName } from "./record.js";
import { MFT_RECORD, type NtfsFile, type NtfsVolume } from "./volume.js";

/** One name in a directory index, as stored. */
export interface IndexEntry {
  record: number;
  name: FileName;
}

const ENTRY_HAS_SUBNODE = 1;
const ENTRY_LAST = 2;
const NAMESPACE_DOS = 2;

/**
 * Every name in a directory's $I30 index: the $INDEX_ROOT node, then the "INDX" blocks of
 * $INDEX_ALLOCATION reached through sub-node VCNs (Linux-NTFS "Index record", "Index entry").
 * A VCN reached twice is a cyclic index: an error, never a loop. DOS-only names are left out
 * (their Win32 twin is listed), as are the directory's own entry and NTFS metadata files.
 */
export async function readDirectoryIndex(vol: NtfsVolume, dir: NtfsFile): Promise<IndexEntry[]> {
  const file = vol.file;
  const root = vol.stream(dir, AttrType.indexRoot, "$I30");
  if (!root)
    throw new ImageFormatError(file, `MFT record ${dir.number}`, -1, "an $INDEX_ROOT $I30 (a directory)");
  const rootValue = await root.read(0, root.size);
  if (rootValue.length < 0x20)
    throw new ImageFormatError(file, `MFT record ${dir.number} $INDEX_ROOT`, -1, "a 32-byte index root");
  const blockSize = rootValue.readUInt32LE(8);
  const out: IndexEntry[] = [];
  const pending: number[] = [];
  const where = `MFT record ${dir.number} $INDEX_ROOT`;
  parseNode(rootValue.subarray(0x10), where, file, -1, out, pending);
  if (pending.length === 0) return finish(out, dir.number);
  const alloc = vol.stream(dir, AttrType.indexAllocation, "$I30");
  if (!alloc) throw new ImageFormatError(file, where, -1, "an $INDEX_ALLOCATION for the sub-nodes it names");
  if (blockSize < 512 || blockSize > 65536 || (blockSize & (blockSize - 1)) !== 0)
    throw new ImageFormatError(file, where, -1, "an index block size that is a power of two, 512..65536");
  // VCNs count clusters when blocks are at least a cluster, else 512-byte units.
  const vcnUnit = blockSize >= vol.clusterSize ? vol.clusterSize : 512;
  const maxBlocks = Math.ceil(alloc.size / blockSize);
  const seen = new Set<number>();
  while (pending.length > 0) {
    const vcn = pending.pop()!;
    const at = vcn * vcnUnit;
    if (seen.has(vcn) || seen.size >= maxBlocks)
      throw new ImageFormatError(
        file,
        `MFT record ${dir.number} $INDEX_ALLOCATION`,
        alloc.offsetOf(at),
        `an acyclic index (VCN ${vcn} reached twice)`,
      );
    seen.add(vcn);
    if (at + blockSize > alloc.size)
      throw new ImageFormatError(
        file,
        `MFT record ${dir.number} $INDEX_ALLOCATION`,
        -1,
        `VCN ${vcn} inside the allocation`,
      );
    const block = Buffer.from(await alloc.read(at, blockSize));
    const offset = alloc.offsetOf(at);
    const structure = `INDX block VCN ${vcn} of MFT record ${dir.number}`;
    if (block.toString("latin1", 0, 4) !== "INDX")
      throw new ImageFormatError(file, structure, offset, 'signature "INDX"');
    applyFixups(block, file, structure, offset);
    if (Number(block.readBigUInt64LE(0x10)) !== vcn)
      throw new ImageFormatError(file, structure, offset + 0x10, `its own VCN ${vcn}`);
    parseNode(block.subarray(0x18), structure, file, offset < 0 ? -1 : offset + 0x18, out, pending);
  }
  return finish(out, dir.number);
}

function finish(entries: IndexEntry[], self: number): IndexEntry[] {
  return entries.filter(
    (e) =>
      e.name.namespace !== NAMESPACE_DOS &&
      e.record !== self &&
      !(self === MFT_RECORD.root && e.record < MFT_RECORD.firstUser),
  );
}

/** Entries of one index node (header: entries offset at 0, bytes in use at 4, relative to it). */
function parseNode(
  node: Buffer,
  structure: string,
  file: string,
  offset: number,
  out: IndexEntry[],
  pending: number[],
): void {
  if (node.length < 16) throw new ImageFormatError(file, structure, offset, "an index node header");
  const first = node.readUInt32LE(0);
  const used = Math.min(node.readUInt32LE(4), node.length);
  let pos = first;
  while (pos + 16 <= used) {
    const length = node.readUInt16LE(pos + 8);
    const keyLength = node.readUInt16LE(pos + 10);
    const flags = node.readUInt32LE(pos + 12);
    if (length < 16 || pos + length > used || 16 + keyLength > length)
      throw new ImageFormatError(
        file,
        structure,
        offset < 0 ? -1 : offset + pos,
        "an index entry inside the node",
      );
    if (flags & ENTRY_HAS_SUBNODE) {
      if (length < 24)
        throw new ImageFormatError(file, structure, offset < 0 ? -1 : offset + pos, "a sub-node VCN");
      pending.push(Number(node.readBigUInt64LE(pos + length - 8)));
    }
    if (flags & ENTRY_LAST) return;
    const key = node.subarray(pos + 16, pos + 16 + keyLength);
    out.push({
      record: mftRecordNumber(node.readBigUInt64LE(pos)),
      name: parseFileName(key, file, offset < 0 ? -1 : offset + pos + 16),
    });
    pos += length;
  }
  throw new ImageFormatError(file, structure, offset, "a last-entry marker inside the node");
}
