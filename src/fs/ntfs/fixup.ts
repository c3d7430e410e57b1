import { ImageFormatError } from "../../io/errors.js";

/** Update sequence arrays protect every 512-byte stride, whatever the sector size. */
const STRIDE = 512;

/**
 * Checks and undoes the update sequence fix-ups of a multi-sector record ("FILE", "INDX") in
 * place: the last two bytes of each 512-byte stride must equal the update sequence number and are
 * replaced by the saved bytes. A mismatch means a torn or forged write: an error for this record.
 */
export function applyFixups(record: Buffer, file: string, structure: string, offset: number): void {
  const usaOffset = record.readUInt16LE(4);
  const usaCount = record.readUInt16LE(6);
  const strides = record.length / STRIDE;
  if (
    usaCount !== strides + 1 ||
    usaOffset < 8 ||
    usaOffset % 2 !== 0 ||
    usaOffset + usaCount * 2 > STRIDE - 2
  )
    throw new ImageFormatError(
      file,
      structure,
      offset + 4,
      `an update sequence array of ${strides + 1} entries`,
    );
  const usn = record.readUInt16LE(usaOffset);
  for (let i = 1; i < usaCount; i++) {
    const at = i * STRIDE - 2;
    if (record.readUInt16LE(at) !== usn)
      throw new ImageFormatError(
        file,
        structure,
        offset + at,
        `update sequence number ${usn} (fix-up mismatch)`,
      );
    record.writeUInt16LE(record.readUInt16LE(usaOffset + i * 2), at);
  }
}
