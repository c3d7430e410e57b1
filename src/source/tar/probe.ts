import { Image } from "../../fs/image.js";
import type { OpenedTarget, TargetGap, TargetProbe } from "../target.js";
import { decompressHead, detectCompression } from "./decompress.js";
import { parseNumber } from "./parse.js";
import { ENTRY_LIMIT, TarTree } from "./tree.js";

/** Enough decompressed bytes to hold the first header (and a pax/long-name record before it). */
const HEAD_LIMIT = 64 * 1024;

/**
 * Tar, plain or inside gzip/xz/zstd: the first header has "ustar" at 257 (POSIX and GNU) or,
 * for pre-POSIX tars, a checksum that matches. Only the head is decompressed to decide.
 */
export const tarProbe: TargetProbe = {
  name: "tar",
  async open(input: string, head: Buffer): Promise<OpenedTarget | undefined> {
    const compression = detectCompression(head);
    const tarHead = await decompressHead(head, compression, HEAD_LIMIT);
    if (!tarHead || !looksLikeTar(tarHead)) return undefined;
    const tree = await TarTree.open(input, { partial: true });
    const notes = tarNotes(tree);
    return {
      input,
      kind: "archive",
      description: tree.description,
      roots: [{ root: "/", image: new Image(tree) }],
      notes,
      gaps: tarGaps(tree),
      close: () => tree.close(),
    };
  },
};

export function looksLikeTar(head: Buffer): boolean {
  if (head.length < 512) return false;
  const block = head.subarray(0, 512);
  if (block.toString("latin1", 257, 262) === "ustar") return true;
  const stored = parseNumber(block, 148, 8);
  if (stored === undefined || block.every((b) => b === 0)) return false;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  return stored === sum;
}

/** What a scan of this archive must say it did not see: damage, the entry bound, entries left out. */
export function tarNotes(
  tree: Pick<TarTree, "damage" | "suspiciousEntries" | "suspiciousOmitted">,
): string[] {
  const notes: string[] = [];
  if (tree.damage?.structure === ENTRY_LIMIT)
    notes.push(
      `the archive has more entries than amigate indexes (${tree.damage.expected}); only those before offset ${tree.damage.offset} are scanned`,
    );
  else if (tree.damage)
    notes.push(`damaged archive, only the entries before the damage are scanned: ${tree.damage.message}`);
  notes.push(
    ...tree.suspiciousEntries.map((s) => `tar entry "${s.name}" left out of the image: ${s.reason}`),
  );
  if (tree.suspiciousOmitted > 0)
    notes.push(`${tree.suspiciousOmitted} more suspicious tar entries left out of the image`);
  return notes;
}

/** What of the archive was not read: every entry past damage or past the entry bound. */
export function tarGaps(tree: Pick<TarTree, "damage">): TargetGap[] {
  const damage = tree.damage;
  if (!damage) return [];
  const where = `archive offset ${damage.offset}`;
  if (damage.structure === ENTRY_LIMIT)
    return [
      { where, reason: `more entries than amigate indexes (${damage.expected}); the rest were not read` },
    ];
  return [{ where, reason: `damaged archive (${damage.message}); the entries after it were not read` }];
}
