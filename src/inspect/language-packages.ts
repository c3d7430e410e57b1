import path from "node:path";
import { mapConcurrent } from "../fs/concurrent.js";
import type { FileIndex } from "./files.js";
import { type DirReadContext, MAX_CONFIG_BYTES } from "./text-files.js";

/**
 * Trees that language package managers fill with other people's libraries: pip (site-packages,
 * dist-packages, also inside virtual environments: lib/python3.X/site-packages), npm
 * (node_modules), RubyGems and Bundler (GEM_HOME/gems/<name>-<version>/, bundler/gems/), the Go
 * module cache (GOPATH/pkg/mod), cargo's registry and git checkouts (~/.cargo or CARGO_HOME),
 * Maven's local repository (~/.m2/repository) and Gradle's cache; and the caches of downloaded
 * packages, whose archives the content pass opens: npm's (~/.npm/_cacache: a gzip tarball per
 * package), pip's wheels (~/.cache/pip), Yarn's (~/.cache/yarn, .yarn/cache zips) and Composer's.
 */
const PACKAGE_TREE =
  /\/(?:site-packages|dist-packages|node_modules|\.m2\/repository|\.gradle\/caches|bundler\/gems|pkg\/mod|\.?cargo\/(?:registry|git)|\.npm\/_cacache|\.cache\/(?:pip|yarn|composer)|\.yarn\/(?:berry\/)?cache|\.composer\/cache)\/|\/gems\/[^/]+-[0-9][^/]*\//;

/**
 * A folder named vendor/ is only a package manager's when its manifest says so: Composer writes
 * vendor/composer/installed.json, `go mod vendor` writes vendor/modules.txt.
 */
const VENDOR_MANIFEST = /^(.*\/vendor\/)(?:composer\/installed\.json|modules\.txt)$/;

/**
 * pip's list of what it installed (PEP 376/627 RECORD: CSV, paths relative to the folder holding
 * the .dist-info), and setuptools' egg-info installed-files.txt (relative to the .egg-info): they
 * name the files pip put outside site-packages too (console scripts in bin/, data files).
 */
const PIP_RECORD = /\.dist-info\/RECORD$/;
const EGG_INSTALLED_FILES = /\.egg-info\/installed-files\.txt$/;
/** The file names the three patterns above end in. */
const LIST_NAMES = new Set(["installed.json", "modules.txt", "RECORD", "installed-files.txt"]);

/** Lists read at once: a venv has a few hundred packages, each list a few KiB. */
const CONCURRENT_LIST_READS = 8;

/**
 * Files a language package manager installed: vendored libraries and their data (SDK endpoint
 * tables, library defaults, docstrings), not the publisher's configuration. Like dpkg's files, they
 * say nothing about how the image was set up; unlike dpkg's, they may carry what the seller put in.
 * So the content pass decides per kind of finding:
 * - private keys, AWS keys and issuer-shaped tokens: still charged (a real key inside node_modules
 *   ships with the image like any other; their test, example and doc folders are noise already);
 * - regional endpoints: not charged (botocore's endpoints.json names every region on purpose);
 * - passwords and secrets in settings, credentials in URLs: not charged (a library's
 *   `password="…"` is a default or an example, not the seller's setting);
 * - other clouds in login banners: only banner paths are read for them, never a package tree.
 */
export class LanguagePackageFiles {
  constructor(
    private readonly vendorDirs: readonly string[],
    private readonly listed: ReadonlySet<string>,
  ) {}

  owns(file: string): boolean {
    return inPackageTree(file) || this.listed.has(file) || this.vendorDirs.some((d) => file.startsWith(d));
  }
}

/** Inside a tree only language package managers fill (node_modules, site-packages…): its path says so. */
export function inPackageTree(file: string): boolean {
  return PACKAGE_TREE.test(file);
}

/** Reads the manifests and pip's install lists found in the file index. */
export async function languagePackageFiles(
  ctx: DirReadContext,
  index: FileIndex,
): Promise<LanguagePackageFiles> {
  const vendorDirs: string[] = [];
  const lists: Array<{ path: string; base: string; csv: boolean }> = [];
  for (const e of index.select((v) => LIST_NAMES.has(v.name))) {
    if (e.type !== "file") continue;
    const vendor = VENDOR_MANIFEST.exec(e.path);
    if (vendor) vendorDirs.push(vendor[1]!);
    else if (PIP_RECORD.test(e.path))
      lists.push({ path: e.path, base: path.posix.dirname(path.posix.dirname(e.path)), csv: true });
    else if (EGG_INSTALLED_FILES.test(e.path))
      lists.push({ path: e.path, base: path.posix.dirname(e.path), csv: false });
  }
  const listed = new Set<string>();
  await mapConcurrent(lists, CONCURRENT_LIST_READS, async (list) => {
    let text: string;
    try {
      text = await ctx.image.readText(list.path, MAX_CONFIG_BYTES);
    } catch (e) {
      // Its files are then judged as ordinary files: a list that cannot be read hides nothing.
      ctx.unknown(list.path, e);
      return;
    }
    for (const line of text.split("\n")) {
      const entry = list.csv ? recordPath(line) : line.trim();
      if (!entry) continue;
      const file = path.posix.resolve(list.base, entry);
      // Inside a package tree the pattern already says so; keep only what lies outside one.
      if (!PACKAGE_TREE.test(file)) listed.add(file);
    }
  });
  return new LanguagePackageFiles(vendorDirs, listed);
}

/** The path column of a RECORD line: CSV, quoted with "" escapes when it holds a comma or quote. */
function recordPath(line: string): string {
  if (!line.startsWith('"')) {
    const comma = line.indexOf(",");
    return (comma === -1 ? line : line.slice(0, comma)).trim();
  }
  let out = "";
  for (let i = 1; i < line.length; i++) {
    if (line[i] !== '"') out += line[i];
    else if (line[i + 1] === '"') {
      out += '"';
      i++;
    } else break;
  }
  return out;
}
