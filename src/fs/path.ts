/** Paths inside an image are POSIX, absolute, and never climb above the image root. */

/** Normalizes to an absolute path: "//a/./b/../c/" → "/a/c"; ".." at the root stays at the root. */
export function normalizeImagePath(path: string): string {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return `/${out.join("/")}`;
}

/**
 * True for a name no directory entry may hold: one with "/" or NUL. No kernel can open it by path,
 * and joined into one it would pose as another file's path while its own bytes went unread.
 */
export function isUnopenableName(name: string): boolean {
  return name.includes("/") || name.includes("\0");
}

export function joinImagePath(dir: string, name: string): string {
  return dir === "/" ? `/${name}` : `${dir}/${name}`;
}

export function parentOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** Components of a normalized absolute path ("/" → []). */
export function splitImagePath(path: string): string[] {
  return path === "/" ? [] : path.slice(1).split("/");
}
