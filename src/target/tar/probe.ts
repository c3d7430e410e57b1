import { Image } from "../../fs/image.js";
import { visible } from "../../io/visible.js";
import { type DiskSet, describedDisks, outsideDisksNote } from "../disk-set.js";
import { readFileStart } from "../file-start.js";
import { noOsRootGap } from "../os-root.js";
import type { OpenedTarget, OpenTargetOptions, TargetGap, TargetProbe } from "../target.js";
import { decompressHead, detectCompression, InflateBoundError } from "./decompress.js";
import { openArchivedDisks } from "./disks.js";
import { checksumOk } from "./parse.js";
import { ENTRY_LIMIT, MAX_SKIPPED_LISTED, TarTree } from "./tree.js";

/** Enough decompressed bytes to hold the first header (and a pax/long-name record before it). */
const HEAD_LIMIT = 64 * 1024;
/**
 * Compressed bytes read when the probe's head decompresses to less than a header: a whole first
 * zstd block (at most 128 KiB, RFC 8878 §3.1.1.2.3) behind its frame header, with room to spare.
 */
const LONG_HEAD_BYTES = 256 * 1024;

/** The rule the target's unsafe entries are findings of (src/policy/rules/archive-unsafe-entry.ts). */
export const UNSAFE_ENTRY_RULE = "archive-unsafe-entry";

/**
 * Tar, plain or inside gzip/xz/zstd: the first header has "ustar" at 257 (POSIX and GNU) or,
 * for pre-POSIX tars, a checksum that matches. Only the head is decompressed to decide.
 */
export const tarProbe: TargetProbe = {
  name: "tar",
  async open(
    input: string,
    head: Buffer,
    options: OpenTargetOptions = {},
  ): Promise<OpenedTarget | undefined> {
    const compression = detectCompression(head);
    let tarHead = await decompressHead(head, compression, HEAD_LIMIT);
    // A zstd block is decoded whole, and one can be 128 KiB compressed: a .tar.zst that begins
    // with incompressible data (a kernel, an initrd) gives nothing from the first 64 KiB.
    if (compression !== "none" && tarHead !== undefined && tarHead.length < 512) {
      const longer = await readFileStart(input, LONG_HEAD_BYTES);
      if (longer.length > head.length) tarHead = await decompressHead(longer, compression, HEAD_LIMIT);
    }
    if (!tarHead || !looksLikeTar(tarHead)) return undefined;
    const tree = await TarTree.open(input, { partial: true });
    const notes = tarNotes(tree);
    const image = new Image(tree);
    const gaps = tarGaps(tree);
    // An archive of anything but a root filesystem (an OVA, a tar of a disk image, of a folder)
    // has nothing the rules look for: it must not pass for having none of it.
    const noOs = await noOsRootGap(image, "archive");
    if (noOs) {
      // An OVA, or a disk image in a tar: the disks inside are the image.
      const disks = await openArchivedDisks(input, tree, options).catch(async (e: unknown) => {
        await tree.close();
        throw e;
      });
      if (disks) return archiveOfDisks(input, tree, disks, notes, gaps);
      notes.push(noOs.reason);
      gaps.push(noOs);
    }
    return {
      input,
      kind: "archive",
      description: tree.description,
      roots: [{ root: "/", image }],
      notes,
      gaps,
      findings: tarFindings(tree),
      close: () => tree.close(),
    };
  },
};

/** The target of an archive whose disk images were opened: their roots, the archive's own notes. */
async function archiveOfDisks(
  input: string,
  tree: TarTree,
  disks: DiskSet,
  notes: string[],
  gaps: TargetGap[],
): Promise<OpenedTarget> {
  const members = disks.disks.map((d) => d.member);
  const top = await tree.readdir("/");
  notes.push(
    `the archive holds ${members.length === 1 ? "a disk image" : `${members.length} disk images`}, scanned as the image: ${members.join(", ")}`,
  );
  const outside = outsideDisksNote(
    disks,
    top.map((e) => e.name),
  );
  if (outside) notes.push(outside);
  const described = describedDisks(disks);
  const ova = top.some((e) => e.type === "file" && /\.ovf$/i.test(e.name));
  return {
    input,
    kind: "archive",
    description: `${ova ? "OVA, " : ""}${tree.description} holding ${described}`,
    roots: disks.roots,
    notes: [...notes, ...disks.notes],
    gaps: [...gaps, ...disks.gaps],
    findings: tarFindings(tree),
    disks: disks.disks,
    async close() {
      await disks.close();
      await tree.close();
    },
  };
}

export function looksLikeTar(head: Buffer): boolean {
  if (head.length < 512) return false;
  const block = head.subarray(0, 512);
  if (block.toString("latin1", 257, 262) === "ustar") return true;
  return checksumOk(block);
}

/**
 * What a scan of this archive must say it did not see: damage, the entry bound, entries left out
 * (those that extraction writes outside the root are findings instead: tarFindings).
 */
export function tarNotes(
  tree: Pick<TarTree, "damage" | "suspiciousEntries" | "suspiciousOmitted">,
): string[] {
  const notes: string[] = [];
  if (tree.damage?.structure === ENTRY_LIMIT)
    notes.push(
      `the archive has more entries than amigate indexes (${tree.damage.expected}); only those before offset ${tree.damage.offset} are scanned`,
    );
  else if (tree.damage instanceof InflateBoundError)
    notes.push(
      `decompression stopped at the bomb bound, only the entries before it are scanned: ${tree.damage.message}`,
    );
  else if (tree.damage)
    notes.push(`damaged archive, only the entries before the damage are scanned: ${tree.damage.message}`);
  notes.push(
    ...tree.suspiciousEntries.map((s) => `tar entry "${visible(s.name)}" left out of the image: ${s.reason}`),
  );
  if (tree.suspiciousOmitted > 0)
    notes.push(`${tree.suspiciousOmitted} more suspicious tar entries left out of the image`);
  return notes;
}

/**
 * What of the archive was not read: each header skipped for a bad checksum (the entry there, and
 * whatever the skipped bytes held), and every entry past damage, a bound or a decompression bomb.
 */
export function tarGaps(
  tree: Pick<TarTree, "damage"> & Partial<Pick<TarTree, "skipped" | "skippedOmitted">>,
): TargetGap[] {
  const gaps: TargetGap[] = (tree.skipped ?? []).map((r) => ({
    where: `archive offset ${r.offset}`,
    reason: r.resumed
      ? `damaged tar header (bad checksum): the entry there was not read; ${r.length} bytes skipped to the next valid header at offset ${r.offset + r.length}`
      : `damaged tar header (bad checksum): the entry there was not read; no valid header in the ${r.length} bytes from there to the end of the archive`,
  }));
  if (tree.skippedOmitted)
    gaps.push({
      where: "the archive",
      reason: `${tree.skippedOmitted} more damaged tar headers were skipped (only the first ${MAX_SKIPPED_LISTED} are listed); the entries there were not read`,
    });
  const damage = tree.damage;
  if (!damage) return gaps;
  const where = `archive offset ${damage.offset}`;
  if (damage.structure === ENTRY_LIMIT)
    gaps.push({
      where,
      reason: `more entries than amigate indexes (${damage.expected}); the rest were not read`,
    });
  else if (damage instanceof InflateBoundError)
    gaps.push({
      where: `compressed archive offset ${damage.offset}`,
      reason: `decompression bomb: ${damage.consumed} compressed bytes inflated to more than ${damage.produced} bytes (bound: ${damage.bound.maxRatio} bytes out per compressed byte once past ${damage.bound.minBytes}); decompression was stopped and the rest of the archive was not read`,
    });
  else
    gaps.push({
      where,
      reason: `damaged archive (${damage.message}); the entries after it were not read`,
    });
  return gaps;
}

/**
 * Findings about the archive itself (OpenedTarget.findings): entries whose extraction writes
 * outside the directory extracted into. They are not in the scanned tree.
 */
export function tarFindings(
  tree: Pick<TarTree, "unsafeEntries" | "unsafeOmitted">,
): NonNullable<OpenedTarget["findings"]> {
  type TarFinding = NonNullable<OpenedTarget["findings"]>[number];
  const findings = tree.unsafeEntries.map(
    (e): TarFinding =>
      e.linkname === undefined
        ? {
            rule: UNSAFE_ENTRY_RULE,
            messageId: "entryOutside",
            data: { entry: visible(e.name), reason: e.reason },
          }
        : {
            rule: UNSAFE_ENTRY_RULE,
            messageId: "hardLinkOutside",
            data: { entry: visible(e.name), target: visible(e.linkname), reason: e.reason },
          },
  );
  if (tree.unsafeOmitted > 0)
    findings.push({
      rule: UNSAFE_ENTRY_RULE,
      messageId: "moreEntriesOutside",
      data: { count: tree.unsafeOmitted, listed: tree.unsafeEntries.length },
    });
  return findings;
}
