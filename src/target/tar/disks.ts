import { scanDisk } from "../../container/layout.js";
import type { FileTree } from "../../fs/filetree.js";
import { Image } from "../../fs/image.js";
import { mountedTree } from "../../fs/mounted.js";
import { describeError, FsError, ImageFormatError, TargetError } from "../../io/errors.js";
import { isNoDiskImage, NO_DISK_ROOT, type OpenedDiskTarget, openDiskTarget } from "../disk/probe.js";
import type { OpenTargetOptions, TargetGap, TargetRoot } from "../target.js";
import type { TarTree } from "./tree.js";

/** Members looked at as possible disk images: at the top and one folder down (`output/disk.vmdk`). */
const MAX_DEPTH = 2;
/** Members tried as disk images at most; past it the archive's no-OS-root gap stands for the rest. */
export const MAX_DISK_CANDIDATES = 64;
/** Disks opened at most: an OVA has one per virtual disk, rarely more than a few. */
export const MAX_ARCHIVED_DISKS = 16;
/** Smaller members are no disk image: the smallest container with a filesystem is larger. */
const MIN_DISK_BYTES = 4096;

/** The disk images inside an archive that is no OS root (an OVA, `disk.raw` in a tar), opened. */
export interface ArchivedDisks {
  /** Each disk's OS roots, named "member: root". */
  roots: TargetRoot[];
  notes: string[];
  gaps: TargetGap[];
  /** One line per disk: "disk1.vmdk: VMDK … disk image (gpt, 3 partitions)". */
  disks: Array<{ member: string; target: OpenedDiskTarget }>;
  close(): Promise<void>;
}

/**
 * Opens the archive's members that are disk images (told from their bytes, as a disk file is), in
 * archive order (an OVA lists its disks in the OVF's order, the boot disk first). Each disk's roots
 * become the target's; a disk with no OS root of its own (an OVA's data disk) is read under the
 * first root, at "/<member> <volume> (…, not mounted)", as an unmounted partition of one disk is.
 * Undefined when no member is a disk image.
 */
export async function openArchivedDisks(
  input: string,
  tree: TarTree,
  options: OpenTargetOptions,
): Promise<ArchivedDisks | undefined> {
  const candidates = await diskCandidates(tree);
  const disks: Array<{ member: string; target: OpenedDiskTarget }> = [];
  const gaps: TargetGap[] = [];
  const notes: string[] = [];
  const closeAll = async () => {
    for (const d of disks) await d.target.close().catch(() => {});
  };
  try {
    for (const member of candidates.paths) {
      if (disks.length >= MAX_ARCHIVED_DISKS) {
        gaps.push({
          where: member,
          reason: `the archive holds more than ${MAX_ARCHIVED_DISKS} disk images; this one and those after it were not opened`,
        });
        break;
      }
      const name = member.replace(/^\//, "");
      let target: OpenedDiskTarget | undefined;
      try {
        const source = tree.memberSource(member);
        // A VMDK descriptor inside an archive names extents the archive does not give by path.
        const opening = { ...options, source, references: "none" } as const;
        // Told first without the caller's wrapper (the CLI's progress counts a disk's bytes): most
        // members of an archive with no OS root are no disk.
        const layout = await scanDisk(`${input}: ${name}`, undefined, "none", source);
        await layout.disk.source.close();
        if (!isNoDiskImage(layout)) target = await openDiskTarget(`${input}: ${name}`, opening);
      } catch (e) {
        // What a disk file's own scan would stop on (damage, an extent it names) is a gap here.
        if (!(e instanceof FsError || e instanceof ImageFormatError || e instanceof TargetError)) throw e;
        gaps.push({ where: name, reason: `a disk image that could not be read: ${describeError(e)}` });
        continue;
      }
      if (target) disks.push({ member: name, target });
    }
    if (disks.length === 0 && gaps.length === 0) return undefined;
    return assemble(disks, gaps, notes, candidates.more, closeAll);
  } catch (e) {
    await closeAll();
    throw e;
  }
}

/** Regular files big enough to be a disk, at most MAX_DEPTH deep, in archive order. */
async function diskCandidates(tree: TarTree): Promise<{ paths: string[]; more: boolean }> {
  const paths: string[] = [];
  let more = false;
  const visit = async (dir: string, depth: number): Promise<void> => {
    for (const entry of await tree.readdirStats(dir)) {
      if (!("stat" in entry)) continue;
      const { name, stat } = entry;
      const p = dir === "/" ? `/${name}` : `${dir}/${name}`;
      if (stat.type === "file" && stat.size >= MIN_DISK_BYTES) {
        if (paths.length >= MAX_DISK_CANDIDATES) {
          more = true;
          return;
        }
        paths.push(p);
      } else if (stat.type === "directory" && depth < MAX_DEPTH) await visit(p, depth + 1);
    }
  };
  await visit("/", 1);
  return { paths, more };
}

function assemble(
  disks: Array<{ member: string; target: OpenedDiskTarget }>,
  gaps: TargetGap[],
  notes: string[],
  moreCandidates: boolean,
  close: () => Promise<void>,
): ArchivedDisks {
  const roots: TargetRoot[] = [];
  for (const { member, target } of disks)
    for (const r of target.roots) roots.push({ ...r, root: `${member}: ${r.root}` });
  const first = roots[0];
  const extra: Array<{ mountPoint: string; tree: FileTree }> = [];
  for (const { member, target } of disks) {
    const readUnder = first !== undefined && target.roots.length === 0 && target.unrooted.length > 0;
    for (const g of target.gaps) {
      // A data disk's "no OS root" is no gap when its filesystems are read under the OS disk's root.
      if (readUnder && g.where === "the disk" && g.reason === NO_DISK_ROOT) continue;
      gaps.push({ ...g, where: `${member}: ${g.where}` });
    }
    for (const n of target.notes)
      if (!(readUnder && n.startsWith("no OS root found"))) notes.push(`${member}: ${n}`);
    if (!readUnder) continue;
    for (const u of target.unrooted) {
      const at = `/${member.replaceAll("/", "-")} ${u.where.replaceAll("/", "-")} (${u.type}, not mounted)`;
      extra.push({ mountPoint: at, tree: u.tree });
      notes.push(
        `${member}: ${u.where} (${u.type}) is on a disk with no OS root: its files are read under ${at}`,
      );
    }
  }
  if (first && extra.length > 0)
    roots[0] = { ...first, image: new Image(mountedTree(first.image.tree, extra)) };
  if (moreCandidates)
    gaps.push({
      where: "the archive",
      reason: `more than ${MAX_DISK_CANDIDATES} files could be disk images; only the first ${MAX_DISK_CANDIDATES} were tried`,
    });
  return { roots, notes, gaps, disks, close };
}
