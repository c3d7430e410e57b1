import { createHash } from "node:crypto";
import { createWriteStream, promises as fsp } from "node:fs";
import { Readable, type Writable } from "node:stream";
import type { DirEntry, FileStat, FileTree, FileType } from "../../fs/filetree.js";
import { baseName, normalizeImagePath, parentOf } from "../../fs/path.js";
import { FsError } from "../../io/errors.js";
import { visible } from "../../io/visible.js";
import type { Journal } from "../journal.js";
import { type Notice, type PlannedChange, sha256 } from "../operation.js";
import { afterDigest } from "../render.js";
import { type Compression, compressTo, decompressFile, detectCompression } from "./compression.js";
import type { ApplyOutcome } from "./directory.js";
import {
  encodePax,
  newFileHeader,
  padded,
  parsePax,
  readTar,
  setHeaderSize,
  type TarEntry,
} from "./tar-records.js";

/**
 * The journal's and the plan's operation name for entries left out of a cleaned archive because
 * extracting them writes outside the root (rule archive-unsafe-entry). Not a selectable operation:
 * a cleaned archive never carries them.
 */
export const DROP_UNSAFE = "drop-unsafe-entries";
/** At most this many unsafe entries are listed in the plan's notices; the rest are counted. */
const UNSAFE_LISTED = 1000;

/** Files kept in memory for planning: configuration-sized, and not more than this in total. */
const KEEP_FILE_BYTES = 4 * 1024 * 1024;
const KEEP_TOTAL_BYTES = 256 * 1024 * 1024;

interface Node {
  stat: FileStat;
  link?: string;
  content?: Buffer;
  digest?: string;
  children?: Set<string>;
}

const TYPE: Record<TarEntry["type"], FileType> = {
  file: "file",
  hardlink: "file",
  symlink: "symlink",
  char: "char",
  block: "block",
  directory: "directory",
  fifo: "fifo",
  other: "unknown",
};

/**
 * An archive's files for planning: every entry's metadata and sha256, and the bytes of files up
 * to KEEP_FILE_BYTES (a plan reads configuration files; logs only need their digest).
 */
export class ArchiveTree implements FileTree {
  readonly nodes = new Map<string, Node>();
  /** Entries extraction would write outside the root: not in the tree (the first UNSAFE_LISTED). */
  readonly unsafe: Array<{ name: string; reason: string }> = [];
  unsafeOmitted = 0;
  private kept = 0;
  private ino = 1;

  constructor(readonly description: string) {
    this.nodes.set("/", { stat: this.dirStat(), children: new Set() });
  }

  private dirStat(): FileStat {
    return { type: "directory", mode: 0o755, uid: 0, gid: 0, size: 0, mtimeMs: 0, ino: this.ino++ };
  }

  private attach(path: string): void {
    let child = path;
    for (let dir = parentOf(path); ; dir = parentOf(dir)) {
      let node = this.nodes.get(dir);
      if (!node) {
        node = { stat: this.dirStat(), children: new Set() };
        this.nodes.set(dir, node);
      }
      node.children ??= new Set();
      node.children.add(baseName(child));
      if (dir === "/") break;
      child = dir;
    }
  }

  async add(entry: TarEntry, data: (onChunk: (b: Buffer) => void) => Promise<void>): Promise<void> {
    if (entry.unsafe !== undefined) {
      if (this.unsafe.length < UNSAFE_LISTED) this.unsafe.push({ name: entry.rawName, reason: entry.unsafe });
      else this.unsafeOmitted++;
      return;
    }
    if (entry.path === "/") return;
    if (entry.type === "hardlink") {
      const target = this.nodes.get(normalizeImagePath(`/${entry.linkname}`));
      if (target && target.stat.type === "file") {
        this.nodes.set(entry.path, target);
        this.attach(entry.path);
        return;
      }
    }
    const stat: FileStat = {
      type: TYPE[entry.type],
      mode: entry.mode,
      uid: entry.uid,
      gid: entry.gid,
      size: entry.size,
      mtimeMs: entry.mtime * 1000,
      ino: this.ino++,
    };
    const node: Node = { stat };
    if (entry.type === "symlink") node.link = entry.linkname;
    if (entry.type === "directory") node.children = this.nodes.get(entry.path)?.children ?? new Set();
    if (stat.type === "file") {
      const hash = createHash("sha256");
      const keep = entry.size <= KEEP_FILE_BYTES && this.kept + entry.size <= KEEP_TOTAL_BYTES;
      const parts: Buffer[] = [];
      let left = entry.size;
      await data((chunk) => {
        const useful = chunk.subarray(0, Math.max(0, Math.min(chunk.length, left)));
        left -= useful.length;
        hash.update(useful);
        if (keep) parts.push(Buffer.from(useful));
      });
      node.digest = hash.digest("hex");
      if (keep) {
        node.content = Buffer.concat(parts);
        this.kept += entry.size;
      }
    }
    this.nodes.set(entry.path, node);
    this.attach(entry.path);
  }

  private node(path: string): Node {
    const n = this.nodes.get(path);
    if (!n) throw new FsError("ENOENT", path);
    return n;
  }

  async lstat(path: string): Promise<FileStat> {
    return this.node(path).stat;
  }
  async readdir(path: string): Promise<DirEntry[]> {
    const n = this.node(path);
    if (!n.children) throw new FsError("ENOTDIR", path);
    return [...n.children].map((name) => ({
      name,
      type: this.nodes.get(`${path === "/" ? "" : path}/${name}`)?.stat.type ?? "unknown",
    }));
  }
  async readlink(path: string): Promise<string> {
    const n = this.node(path);
    if (n.link === undefined) throw new FsError("EINVAL", path);
    return n.link;
  }
  async readFile(path: string, options: { maxBytes: number }): Promise<Buffer> {
    const n = this.node(path);
    if (n.stat.size > options.maxBytes) throw new FsError("EFBIG", path);
    if (!n.content)
      throw new FsError(
        "EFBIG",
        path,
        `larger than ${KEEP_FILE_BYTES} bytes: not kept in memory from the archive`,
      );
    return n.content;
  }
  createReadStream(path: string, options?: { start?: number; end?: number }): Readable {
    const n = this.node(path);
    if (!n.content) throw new FsError("EFBIG", path, "not kept in memory from the archive");
    return Readable.from([n.content.subarray(options?.start ?? 0, options?.end)]);
  }
  /** sha256 from the read pass, also for files whose bytes were not kept. */
  sha256(path: string): string | undefined {
    return this.nodes.get(path)?.digest;
  }
  async close(): Promise<void> {}
}

async function readHead(path: string): Promise<Buffer> {
  const fh = await fsp.open(path, "r");
  try {
    const b = Buffer.alloc(16);
    await fh.read(b, 0, 16, 0);
    return b;
  } finally {
    await fh.close();
  }
}

export async function loadArchive(path: string): Promise<{ tree: ArchiveTree; compression: Compression }> {
  const compression = detectCompression(await readHead(path));
  const tree = new ArchiveTree(`tar archive ${path}`);
  await readTar(decompressFile(path, compression), path, {
    entry: (entry, data) => tree.add(entry, data),
    end: async () => {},
  });
  return { tree, compression };
}

function write(out: Writable, b: Buffer): Promise<void> | undefined {
  if (out.write(b)) return undefined;
  return new Promise((resolve) => out.once("drain", resolve));
}

/** The meta entries with any pax `size` record set to the new size. */
function metaWithSize(entry: TarEntry, size: number): Buffer[] {
  return entry.meta.flatMap(({ header, data }) => {
    if (String.fromCharCode(header[156]!) !== "x") return [header, data];
    const records = parsePax(
      data.subarray(0, Number.parseInt(header.subarray(124, 136).toString("ascii").trim() || "0", 8)),
    );
    if (!records.has("size")) return [header, data];
    records.set("size", String(size));
    const body = encodePax(records);
    const out = Buffer.alloc(padded(body.length));
    body.copy(out);
    return [setHeaderSize(header, body.length), out];
  });
}

/** What an unsafe entry was, for the journal's `before`: its data's sha256, or its type. */
async function entryDigest(
  entry: TarEntry,
  data: (onChunk: (b: Buffer) => void) => Promise<void>,
): Promise<string> {
  if (entry.type === "directory") return "dir";
  if (entry.type === "symlink") return `link:${entry.linkname}`;
  if (entry.type === "hardlink") return `hardlink:${entry.linkname}`;
  if (entry.type !== "file") return entry.type;
  const hash = createHash("sha256");
  let left = entry.size;
  await data((chunk) => {
    const useful = chunk.subarray(0, Math.max(0, Math.min(chunk.length, left)));
    left -= useful.length;
    hash.update(useful);
  });
  return hash.digest("hex");
}

/**
 * Writes the archive again with the plan applied: unchanged entries are copied record for record,
 * changed ones get a new size, checksum and data, removed ones (and hard links to them) are left
 * out, created files are added before the end-of-archive blocks. Entries extraction would write
 * outside the root (absolute names, '..') are left out too, each journaled as a removal.
 */
export async function rewriteArchive(
  input: string,
  compression: Compression,
  output: string,
  changes: readonly PlannedChange[],
  journal: Journal,
): Promise<ApplyOutcome[]> {
  const byPath = new Map<string, PlannedChange[]>();
  for (const c of changes) byPath.set(c.path, [...(byPath.get(c.path) ?? []), c]);
  const outcomes = new Map<PlannedChange, ApplyOutcome>();
  const removed = new Set<string>();
  const tmp = `${output}.amigate-${process.pid}.tmp`;
  const sink = createWriteStream(tmp, { mode: 0o600 });
  const { input: out, done } = compressTo(sink, compression);
  const now = Math.floor(Date.now() / 1000);
  const dropped: ApplyOutcome[] = [];
  await readTar(decompressFile(input, compression), input, {
    entry: async (entry, data) => {
      if (entry.unsafe !== undefined) {
        const before = await entryDigest(entry, data);
        // GNU tar extracts "/etc/x" as "etc/x": a hard link to that name would dangle now.
        if (entry.rawName.startsWith("/")) removed.add(entry.path);
        dropped.push({
          change: {
            operation: DROP_UNSAFE,
            action: "remove",
            path: entry.rawName,
            reason: `${entry.unsafe}: extracting it writes outside the root (rule archive-unsafe-entry)`,
            before,
          },
          status: "applied",
          after: "absent",
          detail: `tar entry "${visible(entry.rawName)}" left out of the cleaned archive: ${entry.unsafe}`,
        });
        return;
      }
      const list = byPath.get(entry.path);
      if (entry.type === "hardlink" && removed.has(normalizeImagePath(`/${entry.linkname}`))) {
        // A hard link to a removed file would dangle: it goes too (same bytes, another name).
        removed.add(entry.path);
        return;
      }
      if (!list) {
        removed.delete(entry.path); // written again: links to it hold
        for (const m of entry.meta) {
          await write(out, m.header);
          await write(out, m.data);
        }
        await write(out, entry.header);
        await data((b) => write(out, b));
        return;
      }
      const last = list[list.length - 1]!;
      for (const c of list) outcomes.set(c, { change: c, status: "applied", after: afterDigest(c) });
      if (last.action === "remove") {
        removed.add(entry.path);
        return;
      }
      const content = last.action === "truncate" ? Buffer.alloc(0) : last.content;
      for (const b of metaWithSize(entry, content.length)) await write(out, b);
      let header = entry.header;
      if (entry.type === "hardlink") {
        // This name gets its own content: a regular file now, the other names keep theirs.
        header = Buffer.from(header);
        header[156] = 0x30;
        header.fill(0, 157, 257);
      }
      await write(out, setHeaderSize(header, content.length));
      const body = Buffer.alloc(padded(content.length));
      content.copy(body);
      await write(out, body);
    },
    end: async (trailer) => {
      for (const c of changes) {
        if (c.action !== "create") continue;
        const header = newFileHeader(c.path, c.content.length, c.mode, now);
        const body = Buffer.alloc(padded(c.content.length));
        c.content.copy(body);
        await write(out, header);
        await write(out, body);
        outcomes.set(c, { change: c, status: "applied", after: sha256(c.content) });
      }
      await trailer((b) => write(out, b));
    },
  });
  out.end();
  await done;
  await fsp.chmod(tmp, (await fsp.stat(input)).mode & 0o777);
  await fsp.rename(tmp, output);
  const result = [
    ...changes.map(
      (c) =>
        outcomes.get(c) ?? {
          change: c,
          status: "failed" as const,
          detail: "entry not found in the archive on the second read",
        },
    ),
    ...dropped,
  ];
  for (const o of result)
    journal.record({
      operation: o.change.operation,
      action: o.change.action,
      path: o.change.path,
      before: o.change.action === "create" ? "absent" : o.change.before,
      ...(o.after !== undefined ? { after: o.after } : {}),
      status: o.status,
      ...(o.detail !== undefined ? { detail: o.detail } : {}),
    });
  journal.close();
  return result;
}

/** The plan's word on entries a cleaned archive leaves out (rule archive-unsafe-entry). */
export function unsafeNotices(tree: ArchiveTree): Notice[] {
  const notices = tree.unsafe.map((u) => ({
    operation: DROP_UNSAFE,
    path: visible(u.name),
    message: `${u.reason}: extracting it writes outside the root; left out of the cleaned archive`,
  }));
  if (tree.unsafeOmitted > 0)
    notices.push({
      operation: DROP_UNSAFE,
      path: "(more)",
      message: `${tree.unsafeOmitted} more such entries are left out of the cleaned archive`,
    });
  return notices;
}
