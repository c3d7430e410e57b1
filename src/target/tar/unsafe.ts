/**
 * Tar entry names that a naive extraction (`tar -x` with --absolute-names, Python's tarfile before
 * 3.12, most hand-written extractors) writes outside the directory it extracts into. Shared by the
 * scan's index (such entries are kept out of the tree and reported by rule archive-unsafe-entry)
 * and by `amigate fix` (such entries are left out of the cleaned archive).
 */

/** Why an entry with this name lands outside the extraction root, or undefined when it does not. */
export function unsafeEntryName(name: string): string | undefined {
  let rest = name;
  while (rest.startsWith("./")) rest = rest.slice(2);
  if (rest.startsWith("/")) return "absolute name";
  if (hasDotDot(name)) return "'..' component";
  return undefined;
}

/**
 * Why a hard link with this target links to a file outside the extraction root, or undefined.
 * Only '..' counts: GNU tar resolves an absolute hard-link target inside the root, and symlink
 * targets are never judged (symlinks to /usr/... are in every root filesystem).
 */
export function unsafeHardLinkTarget(linkname: string): string | undefined {
  return hasDotDot(linkname) ? "'..' component in the hard link's target" : undefined;
}

/**
 * Any '..' component, escaping or not by counting: "a/../../x" climbs out, and even "s/../x"
 * does when an earlier entry made "s" a symlink. Real archivers never store one.
 */
function hasDotDot(name: string): boolean {
  return name === ".." || name.startsWith("../") || name.endsWith("/..") || name.includes("/../");
}
