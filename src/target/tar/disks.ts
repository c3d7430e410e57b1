import { scanDisk } from "../../container/layout.js";
import { describeError, FsError, ImageFormatError, TargetError } from "../../io/errors.js";
import { isNoDiskImage, type OpenedDiskTarget, openDiskTarget } from "../disk/probe.js";
import { assembleDisks, type DiskSet } from "../disk-set.js";
import type { OpenTargetOptions, TargetGap } from "../target.js";
import type { TarTree } from "./tree.js";

/** Members looked at as possible disk images: at the top and one folder down (`output/disk.vmdk`). */
const MAX_DEPTH = 2;
/** Members tried as disk images at most; past it the archive's no-OS-root gap stands for the rest. */
export const MAX_DISK_CANDIDATES = 64;
/** Disks opened at most: an OVA has one per virtual disk, rarely more than a few. */
export const MAX_ARCHIVED_DISKS = 16;
/** Smaller members are no disk image: the smallest container with a filesystem is larger. */
const MIN_DISK_BYTES = 4096;

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
): Promise<DiskSet | undefined> {
  const candidates = await diskCandidates(tree);
  const disks: Array<{ member: string; target: OpenedDiskTarget }> = [];
  const gaps: TargetGap[] = [];
  const closeAll = async () => {
    for (const d of disks) await d.target.close().catch(() => {});
  };
  try {
    for (const member of candidates.paths) {
      const name = member.replace(/^\//, "");
      if (disks.length >= MAX_ARCHIVED_DISKS) {
        gaps.push({
          where: name,
          reason: `the archive holds more than ${MAX_ARCHIVED_DISKS} disk images; this one and those after it were not opened`,
        });
        break;
      }
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
    if (candidates.more)
      gaps.push({
        where: "the archive",
        reason: `more than ${MAX_DISK_CANDIDATES} files could be disk images; only the first ${MAX_DISK_CANDIDATES} were tried`,
      });
    return assembleDisks(disks, gaps, [], closeAll);
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
