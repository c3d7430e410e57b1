import assert from "node:assert/strict";
import type { Readable } from "node:stream";
import { describe, it } from "node:test";
import { debianRootfsPath } from "../../test/support/trees.js";
import { DirectoryTree } from "../fs/directory.js";
import type { DirEntry, FileStat, FileTree } from "../fs/filetree.js";
import { Image } from "../fs/image.js";
import { type OverlayChange, OverlayTree } from "../fs/overlay.js";
import { FsError } from "../io/errors.js";
import { FactStore, type Unknown } from "./context.js";
import type { FactName } from "./facts.js";
import { inspectorsByName } from "./registry.js";
import { readOptionalDir } from "./text-files.js";

/** A tree whose listed directories exist (lstat works) but cannot be listed: readdir fails with EIO. */
class UnlistableDirs implements FileTree {
  readonly description: string;
  constructor(
    private readonly base: FileTree,
    private readonly broken: ReadonlySet<string>,
  ) {
    this.description = `${base.description} (unlistable: ${[...broken].join(", ")})`;
  }
  lstat(p: string): Promise<FileStat> {
    return this.base.lstat(p);
  }
  async readdir(p: string): Promise<DirEntry[]> {
    if (this.broken.has(p)) throw new FsError("EIO", p, "bad block");
    return this.base.readdir(p);
  }
  readlink(p: string): Promise<string> {
    return this.base.readlink(p);
  }
  readFile(p: string, options: { maxBytes: number }): Promise<Buffer> {
    return this.base.readFile(p, options);
  }
  createReadStream(p: string, options?: { start?: number; end?: number }): Readable {
    return this.base.createReadStream(p, options);
  }
  close(): Promise<void> {
    return this.base.close();
  }
}

/** The Debian rootfs with `changes` on top, where readdir of each of `broken` (canonical paths) fails. */
function brokenDebian(broken: string[], changes: Record<string, OverlayChange | string> = {}): Image {
  const tree = new OverlayTree(new DirectoryTree(debianRootfsPath()), changes);
  return new Image(new UnlistableDirs(tree, new Set(broken)));
}

/** What one inspector recorded as unreadable: "path: error". */
function unknownsOf(unknowns: readonly Unknown[], source: FactName): string[] {
  return unknowns.filter((u) => u.source === source).map((u) => `${u.path}: ${u.error}`);
}

describe("readOptionalDir", () => {
  const image = brokenDebian(["/etc/cron.d"], { "/etc/not-a-dir": "x", "/srv/fifo": { type: "fifo" } });
  const collect = () => {
    const seen: string[] = [];
    return {
      seen,
      ctx: { image, unknown: (path: string, e: unknown) => seen.push(`${path}: ${String(e)}`) },
    };
  };

  it("lists a directory", async () => {
    const { seen, ctx } = collect();
    const names = (await readOptionalDir(ctx, "/etc/ssh")).map((e) => e.name);
    assert.ok(names.includes("sshd_config"));
    assert.deepEqual(seen, []);
  });

  it("a missing path, a file and a FIFO are absent: [] and nothing recorded", async () => {
    const { seen, ctx } = collect();
    for (const p of [
      "/etc/no-such-dir",
      "/etc/no/such/dir",
      "/etc/not-a-dir",
      "/etc/not-a-dir/x",
      "/srv/fifo",
    ])
      assert.deepEqual(await readOptionalDir(ctx, p), [], p);
    assert.deepEqual(seen, []);
  });

  it("a directory that cannot be listed is [] and an unknown", async () => {
    const { seen, ctx } = collect();
    assert.deepEqual(await readOptionalDir(ctx, "/etc/cron.d"), []);
    assert.equal(seen.length, 1);
    assert.match(seen[0]!, /^\/etc\/cron\.d: FsError: EIO: \/etc\/cron\.d \(bad block\)$/);
  });
});

/**
 * Each optional directory an inspector lists: when it cannot be listed the inspector's facts say
 * so (an unknown), instead of reading it as empty. `changes` make sure the directory exists.
 */
const CASES: Array<{
  fact: FactName;
  dir: string;
  changes?: Record<string, OverlayChange | string>;
  /** The paths the inspector names (a link to `dir` is read under both names). */
  read?: string[];
}> = [
  { fact: "cloudInit", dir: "/etc/cloud/cloud.cfg.d", changes: { "/etc/cloud/cloud.cfg.d/99.cfg": "{}\n" } },
  {
    fact: "cloudInit",
    dir: "/var/lib/cloud/scripts/per-boot",
    changes: { "/var/lib/cloud/scripts/per-boot/x.sh": "true\n" },
  },
  { fact: "sshd", dir: "/etc/ssh/sshd_config.d", changes: { "/etc/ssh/sshd_config.d/x.conf": "\n" } },
  { fact: "schedules", dir: "/etc/cron.d", changes: { "/etc/cron.d/job": "\n" } },
  { fact: "schedules", dir: "/etc/cron.daily", changes: { "/etc/cron.daily/job": "\n" } },
  {
    fact: "platform",
    dir: "/usr/lib/modules",
    changes: { "/usr/lib/modules/6.1.0-1-cloud-amd64/kernel": { type: "directory" } },
    // /lib is a link to /usr/lib in the rootfs (merged /usr): both module roots are listed.
    read: ["/lib/modules", "/usr/lib/modules"],
  },
  { fact: "content", dir: "/var/lib/dpkg/info" },
  { fact: "packages", dir: "/usr/local/bin", changes: { "/usr/local/bin/python3.9": "" } },
  { fact: "services", dir: "/etc/systemd/system" },
  {
    fact: "accounts",
    dir: "/etc/sudoers.d",
    changes: { "/etc/sudoers": "@includedir /etc/sudoers.d\n", "/etc/sudoers.d/x": "\n" },
  },
];

describe("inspectors record an optional directory that cannot be listed", () => {
  for (const { fact, dir, changes, read = [dir] } of CASES) {
    it(`${fact}: ${dir}`, async () => {
      const clean = new FactStore(brokenDebian([], changes), inspectorsByName);
      await clean.get(fact);
      assert.deepEqual(unknownsOf(clean.unknowns, fact), [], "nothing unreadable without the fault");

      const store = new FactStore(brokenDebian([dir], changes), inspectorsByName);
      await store.get(fact);
      assert.deepEqual(
        unknownsOf(store.unknowns, fact),
        read.map((p) => `${p}: EIO: ${dir} (bad block)`),
      );
    });
  }
});
