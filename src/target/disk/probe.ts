import { type DiskLayout, scanDisk, type Volume } from "../../container/layout.js";
import type { FileTree } from "../../fs/filetree.js";
import { Image } from "../../fs/image.js";
import { type Mount, mountedTree } from "../../fs/mounted.js";
import { describeError } from "../../io/errors.js";
import { isOsRoot } from "../os-root.js";
import type {
  DiskBootInfo,
  OpenedTarget,
  OpenTargetOptions,
  TargetGap,
  TargetProbe,
  TargetRoot,
} from "../target.js";
import { defaultFilesystemReaders, type FilesystemReaders } from "./filesystems.js";
import { parseFstab, volumeForSpec } from "./fstab.js";

const NOT_MOUNTED_TYPES = new Set([
  "swap",
  "none",
  "proc",
  "sysfs",
  "tmpfs",
  "devpts",
  "devtmpfs",
  "nfs",
  "nfs4",
  "cifs",
]);

export interface DiskTargetOptions extends OpenTargetOptions {
  /** Filesystem readers by type; defaults to the readers present in this build. */
  readers?: FilesystemReaders;
}

/** A disk image opened for scanning: its layout, plus one root per OS found, fstab mounts applied. */
export interface OpenedDiskTarget extends OpenedTarget {
  layout: DiskLayout;
  /**
   * When no OS root was found: the filesystems that were read, for a caller that assembles several
   * disks (an OVA's data disk is read under the OS disk's root). Closed with the target.
   */
  unrooted: Array<{ where: string; type: string; tree: FileTree }>;
}

/**
 * Opens a disk image target. Returns undefined for a raw file with no partition table and no
 * recognisable volume (not a disk image, so the next probe or the "unrecognised" error applies).
 */
export async function openDiskTarget(
  input: string,
  options: DiskTargetOptions = {},
): Promise<OpenedDiskTarget | undefined> {
  const layout = await scanDisk(input, options.wrapDiskSource, options.references, options.source);
  const { disk, table, volumes } = layout;
  if (isNoDiskImage(layout)) {
    await disk.source.close();
    return undefined;
  }
  const readers = options.readers ?? (await defaultFilesystemReaders());
  const notes = [...layout.notes];
  const gaps: TargetGap[] = [...layout.gaps];
  const trees = new Map<Volume, FileTree>();
  const pending = new Map<string, string>(); // volume → filesystem type without a reader
  const openTree = async (v: Volume): Promise<FileTree | undefined> => {
    const known = trees.get(v);
    if (known) return known;
    const type = v.fs.type;
    if (type === undefined || v.fs.encrypted || type === "lvm2-pv" || type === "swap") return undefined;
    const reader = readers[type];
    if (!reader) {
      pending.set(v.where, type);
      return undefined;
    }
    try {
      const tree = await reader(v.source);
      trees.set(v, tree);
      return tree;
    } catch (e) {
      notes.push(`${v.where} (${type}) could not be read: ${describeError(e)}`);
      gaps.push({ where: v.where, reason: `its ${type} filesystem could not be read (${describeError(e)})` });
      return undefined;
    }
  };
  const bootInfo = await diskBootInfo(layout, openTree);
  const found: Array<{ v: Volume; tree: FileTree; mounts: Mount[] }> = [];
  const used = new Set<Volume>();
  for (const v of volumes) {
    const tree = await openTree(v);
    if (!tree) continue;
    const image = new Image(tree);
    if (!(await isOsRoot(image))) continue;
    used.add(v);
    found.push({ v, tree, mounts: await fstabMounts(v, image, volumes, openTree, notes, used) });
  }
  // A filesystem no root mounts (a data partition, a cloud-init seed, an ESP missing from fstab)
  // is not on the instance's paths but is in the image: it is read as part of the first root, at a
  // top-level directory named for it, so its files are scanned like any others.
  const unmounted = found.length === 0 ? [] : volumes.filter((v) => trees.has(v) && !used.has(v));
  for (const v of unmounted) {
    const at = `/${v.where.replaceAll("/", "-")} (${v.fs.type}, not mounted)`;
    found[0]!.mounts.push({ mountPoint: at, tree: trees.get(v)! });
    notes.push(`${v.where} (${v.fs.type}) is mounted by no root's fstab: its files are read under ${at}`);
  }
  const roots: TargetRoot[] = found.map(({ v, tree, mounts }) => ({
    root: `${v.where} (${v.fs.type})`,
    image: new Image(mountedTree(tree, mounts)),
    disk: bootInfo,
  }));
  for (const [where, type] of pending)
    gaps.push({ where, reason: `amigate has no reader for its ${type} filesystem` });
  if (pending.size > 0) {
    const types = [...new Set(pending.values())].join("/");
    notes.push(
      `${types} reader pending: not read: ${[...pending].map(([where, type]) => `${where} (${type})`).join(", ")}`,
    );
  }
  if (roots.length === 0) {
    notes.push("no OS root found (no filesystem with /etc/os-release, /etc/fstab or Windows/System32)");
    gaps.push({ where: "the disk", reason: NO_DISK_ROOT });
  }
  const parts =
    table.kind === "none" ? "no partition table" : `${table.kind}, ${table.partitions.length} partitions`;
  return {
    input,
    kind: "disk",
    description: `${disk.detail} disk image (${parts})`,
    roots,
    notes,
    gaps,
    layout,
    unrooted:
      roots.length > 0
        ? []
        : volumes.flatMap((v) => {
            const tree = trees.get(v);
            return tree ? [{ where: v.where, type: v.fs.type as string, tree }] : [];
          }),
    async close() {
      for (const t of trees.values()) await t.close().catch(() => {});
      await disk.source.close();
    },
  };
}

/** A raw file with no partition table and no recognisable volume: no disk image at all. */
export function isNoDiskImage({ disk, table, volumes }: DiskLayout): boolean {
  return disk.format === "raw" && table.kind === "none" && volumes.every((v) => v.fs.type === undefined);
}

/** The gap of a disk with no OS root (an assembly of several disks may read it under another's root). */
export const NO_DISK_ROOT =
  "no OS root found (no readable filesystem with /etc/os-release, /etc/fstab or Windows/System32)";

const ESP_TYPE = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B";

/** Boot code, EFI system partitions with their loaders, and encrypted volumes of the whole disk. */
async function diskBootInfo(
  layout: DiskLayout,
  openTree: (v: Volume) => Promise<FileTree | undefined>,
): Promise<DiskBootInfo> {
  const efiSystemPartitions: DiskBootInfo["efiSystemPartitions"] = [];
  for (const v of layout.volumes) {
    const p = v.partition;
    const isEsp = p !== undefined && (p.type.toUpperCase() === ESP_TYPE || p.type.toLowerCase() === "0xef");
    if (!isEsp) continue;
    const tree = await openTree(v);
    if (!tree) {
      efiSystemPartitions.push({ where: v.where, loaders: [], readable: false });
      continue;
    }
    const loaders: string[] = [];
    try {
      for await (const e of new Image(tree).walk("/")) {
        if (e.stat.type === "file" && e.path.toLowerCase().endsWith(".efi")) loaders.push(e.path);
        if (loaders.length >= 64) break;
      }
    } catch {
      // An unreadable ESP counts as having no loader we could see.
    }
    efiSystemPartitions.push({ where: v.where, loaders, readable: true });
  }
  return {
    partitionTable: layout.table.kind,
    mbrBootCode: layout.table.mbrBootCode,
    efiSystemPartitions,
    encryptedVolumes: layout.volumes
      .filter((v) => v.fs.encrypted || v.fs.type === "luks" || v.fs.type === "bitlocker")
      .map((v) => ({ where: v.where, type: v.fs.type ?? "encrypted" })),
  };
}

/** The other volumes the root's /etc/fstab mounts, opened, with their mount points. */
async function fstabMounts(
  rootVolume: Volume,
  root: Image,
  volumes: Volume[],
  openTree: (v: Volume) => Promise<FileTree | undefined>,
  notes: string[],
  used: Set<Volume>,
): Promise<Mount[]> {
  const text = await root.readTextIfExists("/etc/fstab", 1024 * 1024).catch(() => undefined);
  if (text === undefined) return [];
  const mounts: Mount[] = [];
  for (const entry of parseFstab(text)) {
    if (!entry.mountPoint.startsWith("/") || entry.mountPoint === "/" || NOT_MOUNTED_TYPES.has(entry.type))
      continue;
    if (entry.options.split(",").includes("bind")) continue;
    const v = volumeForSpec(entry.spec, volumes);
    if (!v) {
      notes.push(
        `${rootVolume.where}: fstab entry ${entry.spec} for ${entry.mountPoint} is not on this disk`,
      );
      continue;
    }
    if (v === rootVolume) continue;
    const tree = await openTree(v);
    if (tree) mounts.push({ mountPoint: entry.mountPoint, tree });
    used.add(v);
  }
  return mounts;
}

export const diskProbe: TargetProbe = {
  name: "disk image",
  open: (input, _head, options) => openDiskTarget(input, options),
};
