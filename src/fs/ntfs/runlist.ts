import { ImageFormatError } from "../../io/errors.js";

/** One run of a non-resident attribute: `length` clusters from `vcn`, at `lcn` (null = sparse). */
export interface Run {
  vcn: number;
  lcn: number | null;
  length: number;
}

/**
 * Decodes a mapping-pairs array (Linux-NTFS "Data runs"): a header byte whose low nibble is the
 * size of the length field and high nibble the size of the signed LCN delta; no delta = sparse.
 * Runs must stay inside the volume and within [lowestVcn, highestVcn].
 */
export function decodeRunlist(
  bytes: Buffer,
  lowestVcn: number,
  highestVcn: number,
  totalClusters: number,
  file: string,
  offset: number,
): Run[] {
  const bad = (at: number, expected: string) =>
    new ImageFormatError(file, "NTFS runlist", offset + at, expected);
  const runs: Run[] = [];
  let pos = 0;
  let vcn = lowestVcn;
  let lcn = 0;
  while (pos < bytes.length && bytes[pos] !== 0) {
    const header = bytes[pos]!;
    const lenSize = header & 0x0f;
    const lcnSize = header >> 4;
    if (lenSize === 0 || lenSize > 8 || lcnSize > 8 || pos + 1 + lenSize + lcnSize > bytes.length)
      throw bad(pos, "a run header with length and offset fields inside the attribute");
    let length = 0;
    for (let i = lenSize - 1; i >= 0; i--) length = length * 256 + bytes[pos + 1 + i]!;
    if (length <= 0 || !Number.isSafeInteger(length) || vcn + length - 1 > highestVcn)
      throw bad(pos, `a run length within VCNs ${lowestVcn}..${highestVcn}`);
    if (lcnSize === 0) runs.push({ vcn, lcn: null, length });
    else {
      let delta = 0;
      for (let i = lcnSize - 1; i >= 0; i--) delta = delta * 256 + bytes[pos + 1 + lenSize + i]!;
      if (bytes[pos + lenSize + lcnSize]! & 0x80) delta -= 2 ** (8 * lcnSize);
      lcn += delta;
      if (lcn < 0 || lcn + length > totalClusters)
        throw bad(pos, `clusters inside the volume (run at LCN ${lcn} + ${length} > ${totalClusters})`);
      runs.push({ vcn, lcn, length });
    }
    vcn += length;
    pos += 1 + lenSize + lcnSize;
  }
  return runs;
}
