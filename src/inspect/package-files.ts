import { type DirReadContext, readOptionalDir } from "./text-files.js";

const DPKG_INFO = "/var/lib/dpkg/info";
const MAX_LIST = 16 * 1024 * 1024;

/**
 * Files the distribution's package manager installed (dpkg's info/*.list), outside /etc: vendor
 * content the content pass need not read for credentials a publisher left behind. Configuration
 * under /etc is always read (conffiles are edited in place), and so is everything no package owns
 * (/usr/local, /opt, /srv, homes, /var). Paths listed through a symlinked directory (merged /usr:
 * "/lib/x" is "/usr/lib/x") are added under both spellings.
 */
export async function packageOwnedFiles(ctx: DirReadContext): Promise<Set<string>> {
  const { image } = ctx;
  const owned = new Set<string>();
  const lists = (await readOptionalDir(ctx, DPKG_INFO))
    .filter((e) => e.name.endsWith(".list"))
    .map((e) => e.name);
  const usrMerged = new Map<string, string>();
  for (const dir of ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"]) {
    const st = await image.lstat(dir).catch(() => undefined);
    if (st?.type === "symlink") usrMerged.set(dir, `/usr${dir}`);
  }
  for (const name of lists) {
    let text: string;
    try {
      text = await image.readText(`${DPKG_INFO}/${name}`, MAX_LIST);
    } catch {
      continue;
    }
    for (const line of text.split("\n")) {
      if (!line.startsWith("/") || line.startsWith("/etc/")) continue;
      owned.add(line);
      const top = line.slice(0, line.indexOf("/", 1));
      const merged = usrMerged.get(top);
      if (merged) owned.add(merged + line.slice(top.length));
    }
  }
  return owned;
}

/** dpkg's own records of each package (every path it installed, their checksums): no file content. */
const DPKG_RECORD = /^\/var\/lib\/dpkg\/info\/[^/]+\.(?:list|md5sums)$/;
/** CPython's bytecode cache: dir/__pycache__/name.cpython-311.pyc (PEP 3147) compiled from dir/name.py. */
const PYCACHE = /^(.*)\/__pycache__\/([^/.]+)\.[^/]+\.pyc$/;

/**
 * Vendor content that no package lists itself: dpkg's per-package records, and bytecode Python
 * compiled at install time from a packaged .py file (py3compile writes it; dpkg does not own it).
 */
export function isPackageDerived(path: string, owned: ReadonlySet<string>): boolean {
  // Asked of every file the content pass meets: the patterns run only where they can match.
  if (path.startsWith("/var/lib/dpkg/info/") && DPKG_RECORD.test(path)) return true;
  if (!path.endsWith(".pyc")) return false;
  const m = PYCACHE.exec(path);
  return m !== null && owned.has(`${m[1]}/${m[2]}.py`);
}
