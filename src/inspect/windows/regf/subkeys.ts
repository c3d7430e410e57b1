import { ImageFormatError } from "../../../io/errors.js";
import type { HiveBins } from "./bins.js";
import { NO_CELL } from "./records.js";

/** "ri" lists point at lf/lh/li lists; Windows never nests them deeper than one level. */
const MAX_LIST_DEPTH = 4;

/**
 * Offsets of a key's subkey nodes from its subkey list: "lf"/"lh" (offset + 4-byte hash),
 * "li" (offsets) or "ri" (offsets of further lists). A list visited twice (a cycle) or more
 * entries than `expected` plus slack is a format error, so hostile lists stay bounded.
 */
export function readSubkeyOffsets(bins: HiveBins, listOffset: number, expected: number): number[] {
  if (listOffset === NO_CELL || expected === 0) return [];
  const out: number[] = [];
  const seen = new Set<number>();
  const limit = Math.max(expected, 0);
  const walk = (offset: number, depth: number): void => {
    const structure = "regf subkey list";
    if (seen.has(offset))
      throw new ImageFormatError(
        bins.file,
        structure,
        bins.absolute(offset),
        "no cycle between subkey lists",
      );
    seen.add(offset);
    if (depth > MAX_LIST_DEPTH)
      throw new ImageFormatError(
        bins.file,
        structure,
        bins.absolute(offset),
        `lists nested at most ${MAX_LIST_DEPTH} deep`,
      );
    const cell = bins.cell(offset, structure);
    if (cell.length < 4)
      throw new ImageFormatError(bins.file, structure, bins.absolute(offset), "a 4-byte list header");
    const sig = cell.toString("latin1", 0, 2);
    const count = cell.readUInt16LE(2);
    const stride = sig === "lf" || sig === "lh" ? 8 : sig === "li" || sig === "ri" ? 4 : 0;
    if (stride === 0)
      throw new ImageFormatError(
        bins.file,
        structure,
        bins.absolute(offset),
        'signature "lf", "lh", "li" or "ri"',
      );
    if (4 + count * stride > cell.length) {
      throw new ImageFormatError(
        bins.file,
        structure,
        bins.absolute(offset),
        `${count} entries within the cell`,
      );
    }
    for (let i = 0; i < count; i++) {
      const entry = cell.readUInt32LE(4 + i * stride);
      if (sig === "ri") walk(entry, depth + 1);
      else {
        if (out.length >= limit) {
          throw new ImageFormatError(
            bins.file,
            structure,
            bins.absolute(offset),
            `at most ${limit} subkeys as the key node says`,
          );
        }
        out.push(entry);
      }
    }
  };
  walk(listOffset, 0);
  return out;
}
