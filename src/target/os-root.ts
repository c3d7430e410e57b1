import type { Image } from "../fs/image.js";
import { FsError } from "../io/errors.js";

/** Files whose presence makes a filesystem an OS root. */
export const OS_ROOT_MARKERS = ["/etc/os-release", "/etc/fstab", "/Windows/System32"];

/**
 * Whether `image` holds one of OS_ROOT_MARKERS. A marker that is a symlink counts even when its
 * target is missing (Debian's /etc/os-release points into /usr/lib): the name is the sign.
 */
export async function isOsRoot(image: Image): Promise<boolean> {
  for (const marker of OS_ROOT_MARKERS) {
    try {
      await image.lstat(marker);
      return true;
    } catch (e) {
      if (!(e instanceof FsError)) throw e;
    }
  }
  return false;
}

/** Names of disk image files, and of an OVF descriptor (an OVA is a tar of one and its disks). */
const DISK_FILE = /\.(?:vmdk|vhdx?|qcow2|img|raw|ovf)$/i;

/**
 * The gap of an archive's or a directory's root that is no OS root; none when it is one, or when
 * its top is empty (the coverage fact reports an empty root itself).
 */
export async function noOsRootGap(
  image: Image,
  what: "archive" | "directory",
): Promise<{ where: string; reason: string } | undefined> {
  if (await isOsRoot(image)) return undefined;
  let names: string[] | undefined;
  try {
    names = (await image.readdir("/")).map((e) => e.name);
  } catch {
    // An unlistable top is the coverage fact's gap too; this one says what it is not.
  }
  if (names?.length === 0) return undefined;
  return { where: `the ${what}`, reason: noOsRootReason(names ?? [], what) };
}

/**
 * Why an archive's or a directory's root (whose top holds `names`) is no OS root: for a directory
 * that holds disk images, the files to scan instead; an archive's were tried as disks already
 * (tar/disks.ts), and none opened.
 */
function noOsRootReason(names: readonly string[], what: "archive" | "directory"): string {
  const base = `no OS root at the ${what}'s top (no /etc/os-release, /etc/fstab or Windows/System32)`;
  const disks = names.filter((n) => DISK_FILE.test(n)).sort();
  if (disks.length === 0) return base;
  const shown = disks.slice(0, 4).join(", ") + (disks.length > 4 ? `, and ${disks.length - 4} more` : "");
  return what === "archive"
    ? `${base}; it holds ${shown}, and no disk image amigate can open among them (an OVA's disks are scanned inside it)`
    : `${base}; it holds ${shown}: a disk image is scanned as itself (amigate scan DISK)`;
}
