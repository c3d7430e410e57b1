import type { FileTree } from "../fs/filetree.js";
import { Image } from "../fs/image.js";
import { mountedTree } from "../fs/mounted.js";
import { NO_DISK_ROOT, type OpenedDiskTarget } from "./disk/probe.js";
import type { TargetGap, TargetRoot } from "./target.js";

/** Several disk images opened as one image (an OVA's, an OVF package's): their roots as one target's. */
export interface DiskSet {
  /** Each disk's OS roots, named "member: root". */
  roots: TargetRoot[];
  notes: string[];
  gaps: TargetGap[];
  /** Each disk by its name in the package ("disk1.vmdk"). */
  disks: Array<{ member: string; target: OpenedDiskTarget }>;
  close(): Promise<void>;
}

/**
 * The disks' roots as one target's, in the disks' order (an OVF lists the boot disk first), each
 * named "member: root". A disk with no OS root of its own (a data disk) is read under the first
 * root, at "/<member> <volume> (…, not mounted)", as an unmounted partition of one disk is, and its
 * "no OS root" is then no gap; with no root on any disk, each disk's gap stands.
 */
export function assembleDisks(
  disks: Array<{ member: string; target: OpenedDiskTarget }>,
  gaps: TargetGap[],
  notes: string[],
  close: () => Promise<void>,
): DiskSet {
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
  return { roots, notes, gaps, disks, close };
}

/**
 * The note on what a package holds besides its disks (the descriptor, a manifest, NVRAM), none of
 * which an import makes into the image; undefined when it holds nothing else. `names` are its
 * top-level names.
 */
export function outsideDisksNote(set: Pick<DiskSet, "disks">, names: readonly string[]): string | undefined {
  const members = set.disks.map((d) => d.member);
  const others = names.filter((n) => !members.some((m) => m === n || m.startsWith(`${n}/`)));
  if (others.length === 0) return undefined;
  const shown = others.slice(0, 8).join(", ") + (others.length > 8 ? `, and ${others.length - 8} more` : "");
  return `not in a disk image, so not part of what is imported, and not scanned: ${shown}`;
}

/** "disk1.vmdk: vmdk streamOptimized disk image (gpt, 3 partitions); disk2.vmdk: …" */
export const describedDisks = (set: Pick<DiskSet, "disks">): string =>
  set.disks.map((d) => `${d.member}: ${d.target.description}`).join("; ");
