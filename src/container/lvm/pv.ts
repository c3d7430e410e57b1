import type { ByteSource } from "../../io/bytes.js";
import { ImageFormatError } from "../../io/errors.js";

// LVM2 on-disk format (lib/format_text/layout.h, lib/label/label.h): a 512-byte label
// "LABELONE" in one of sectors 0-3 (sector u64, crc u32, offset u32, type "LVM2 001"), then at
// label + offset the PV header: 32-char PV uuid, device size u64, a zero-terminated list of data
// areas (offset u64, size u64) and one of metadata areas. A metadata area starts with an
// mda_header (checksum, magic " LVM2 x[5A%r0N*>", version, start, size, raw_locn list); the
// newest text metadata sits at start + raw_locn.offset, wrapping round the circular buffer.
const MDA_MAGIC = " LVM2 x[5A%r0N*>";
const MAX_AREAS = 16;
const MAX_METADATA = 16 * 1024 * 1024;

export interface PhysicalVolume {
  /** PV uuid without hyphens (32 characters). */
  uuid: string;
  source: ByteSource;
  deviceSize: number;
  /** Text of the newest committed metadata, from the first metadata area. */
  metadata: string;
}

export async function findPvLabel(source: ByteSource): Promise<number | undefined> {
  if (source.size < 2048) return undefined;
  const head = await source.read(0, 2048);
  for (let s = 0; s < 4; s++) {
    if (
      head.toString("latin1", s * 512, s * 512 + 8) === "LABELONE" &&
      head.toString("latin1", s * 512 + 24, s * 512 + 32) === "LVM2 001"
    )
      return s * 512;
  }
  return undefined;
}

export async function readPhysicalVolume(source: ByteSource): Promise<PhysicalVolume | undefined> {
  const labelAt = await findPvLabel(source);
  if (labelAt === undefined) return undefined;
  const name = source.description;
  const label = await source.read(labelAt, 512);
  const headerAt = labelAt + label.readUInt32LE(20);
  if (headerAt + 40 + 2 * MAX_AREAS * 16 > source.size || label.readUInt32LE(20) >= 512)
    throw new ImageFormatError(name, "LVM PV header", labelAt + 20, "a PV header inside the label sector");
  const h = await source.read(headerAt, 40 + 2 * MAX_AREAS * 16 + 32);
  const uuid = h.toString("latin1", 0, 32);
  const deviceSize = Number(h.readBigUInt64LE(32));
  let at = 40;
  const lists: { offset: number; size: number }[][] = [[], []];
  for (const list of lists) {
    for (;;) {
      if (at + 16 > h.length)
        throw new ImageFormatError(name, "LVM PV header", headerAt + at, `at most ${MAX_AREAS} areas`);
      const offset = Number(h.readBigUInt64LE(at));
      const size = Number(h.readBigUInt64LE(at + 8));
      at += 16;
      if (offset === 0) break;
      list.push({ offset, size });
    }
  }
  const mda = lists[1]?.[0];
  if (!mda)
    throw new ImageFormatError(
      name,
      "LVM PV header",
      headerAt,
      "a metadata area (PVs without one are not supported)",
    );
  if (mda.offset + 512 > source.size || mda.size < 1024 || mda.offset + mda.size > source.size)
    throw new ImageFormatError(name, "LVM metadata area", mda.offset, "an area inside the device");
  const mh = await source.read(mda.offset, 512);
  if (mh.toString("latin1", 4, 20) !== MDA_MAGIC)
    throw new ImageFormatError(name, "LVM mda_header", mda.offset, `magic "${MDA_MAGIC}"`);
  const locOffset = Number(mh.readBigUInt64LE(40));
  const locSize = Number(mh.readBigUInt64LE(48));
  if (
    locOffset < 512 ||
    locOffset >= mda.size ||
    locSize === 0 ||
    locSize > Math.min(MAX_METADATA, mda.size - 512)
  )
    throw new ImageFormatError(
      name,
      "LVM mda_header raw_locn",
      mda.offset + 40,
      "metadata text inside the area",
    );
  // Circular buffer: text past the end of the area continues right after the 512-byte header.
  const first = Math.min(locSize, mda.size - locOffset);
  const parts = [await source.read(mda.offset + locOffset, first)];
  if (first < locSize) parts.push(await source.read(mda.offset + 512, locSize - first));
  const metadata = Buffer.concat(parts)
    .toString("utf8")
    .replace(/\0[\s\S]*$/, "");
  return { uuid, source, deviceSize, metadata };
}
