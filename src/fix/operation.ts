import { createHash } from "node:crypto";
import type { FileStat } from "../fs/filetree.js";
import type { Image } from "../fs/image.js";
import type { FactStore } from "../inspect/context.js";
import type { FactName, Facts } from "../inspect/facts.js";
import { FsError, isFsError } from "../io/errors.js";

/**
 * A `fix` operation, shaped like virt-sysprep's operations: an id, whether it runs by default, a
 * one-line heading, a description, the OS it applies to, an order, and a pure `plan` step. It
 * never writes: it returns the changes one executor (apply/directory.ts, apply/archive.ts) makes,
 * so the dry-run output is the very list the real run applies.
 */
export interface FixOperation {
  /** kebab-case; the `fix` field of rules names it. */
  id: string;
  /** One line, no final period: shown by --list-operations. */
  heading: string;
  description: string;
  defaultOn: boolean;
  appliesTo: "linux" | "windows" | "any";
  /** Lower runs first; ties break by id. */
  order: number;
  plan(ctx: PlanContext): Promise<void>;
}

/** sha256 hex of a file's bytes at plan time; the executor refuses to act when it differs. */
export type Digest = string;

interface ChangeBase {
  /** Canonical image path (no symlinks in it). */
  path: string;
  /** Why, in words a user understands. */
  reason: string;
  /** The operation that planned it. */
  operation: string;
}

export type PlannedChange =
  | (ChangeBase & { action: "truncate"; before: Digest })
  /** Removes a file, symlink (the link itself) or an empty directory. `before` is "dir" / "link:<target>" for those. */
  | (ChangeBase & { action: "remove"; before: Digest })
  /** Replaces the whole content (edits of lines are this with `edits` describing them). */
  | (ChangeBase & { action: "replace"; before: Digest; content: Buffer; edits?: LineEdit[] })
  | (ChangeBase & { action: "create"; content: Buffer; mode: number });

export interface LineEdit {
  /** 1-based line in the file as it was before this change; 0 inserts at the top. */
  line: number;
  old?: string;
  new?: string;
}

/** Something an operation saw but will not (or cannot) change: reported, never silently skipped. */
export interface Notice {
  operation: string;
  path: string;
  message: string;
}

export interface FixOptions {
  /** Accounts whose password hashes lock-passwords leaves alone. */
  keepPassword: readonly string[];
  rootLogin: "prohibit-password" | "no";
}

export const DEFAULT_FIX_OPTIONS: FixOptions = { keepPassword: [], rootLogin: "prohibit-password" };

const MAX_READ = 16 * 1024 * 1024;

export function sha256(bytes: Buffer | string): Digest {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The sha256 of empty content: what a truncated file digests to. */
export const EMPTY_DIGEST = sha256(Buffer.alloc(0));

/**
 * What an operation plans with: the image (read-only), its facts, the options, and the state of
 * files as earlier operations' plans leave them (two operations may edit /etc/shadow in turn).
 */
export class PlanContext {
  readonly changes: PlannedChange[] = [];
  readonly notices: Notice[] = [];
  /** Path → content after the changes planned so far (null: removed). */
  private readonly pending = new Map<string, Buffer | null>();
  operation = "";

  constructor(
    readonly image: Image,
    private readonly facts: FactStore,
    readonly options: FixOptions,
  ) {}

  fact<K extends FactName>(name: K): Promise<Facts[K]> {
    return this.facts.get(name);
  }

  notice(path: string, message: string): void {
    this.notices.push({ operation: this.operation, path, message });
  }

  /** lstat of the canonical path (final symlink not followed), undefined when missing. */
  async lstat(path: string): Promise<FileStat | undefined> {
    if (this.pending.get(path) === null) return undefined;
    try {
      return await this.image.tree.lstat(path);
    } catch (e) {
      if (isFsError(e, "ENOENT") || isFsError(e, "ENOTDIR")) return undefined;
      throw e;
    }
  }

  /** Canonical path of `path` with parents resolved inside the image (the final component kept). */
  async canonical(path: string): Promise<string | undefined> {
    try {
      return await this.image.resolve(path, false);
    } catch (e) {
      if (e instanceof FsError) return undefined;
      throw e;
    }
  }

  /** Current bytes of a regular file (after earlier planned changes), undefined when missing. */
  async read(path: string): Promise<Buffer | undefined> {
    const p = this.pending.get(path);
    if (p !== undefined) return p ?? undefined;
    const st = await this.lstat(path);
    if (st?.type !== "file") return undefined;
    return this.image.tree.readFile(path, { maxBytes: MAX_READ });
  }

  /** Digest of what is at `path` now: file bytes (streamed), "link:<target>", "dir", or the type. */
  async digest(path: string): Promise<Digest> {
    const p = this.pending.get(path);
    if (p) return sha256(p);
    const st = await this.lstat(path);
    if (!st) throw new FsError("ENOENT", path);
    if (st.type === "symlink") return `link:${await this.image.tree.readlink(path)}`;
    if (st.type === "directory") return "dir";
    if (st.type !== "file") return st.type;
    // Trees that digested every file while reading (archives) answer without the bytes.
    const known = this.image.tree.sha256?.(path);
    if (known) return known;
    const hash = createHash("sha256");
    for await (const chunk of this.image.tree.createReadStream(path) as AsyncIterable<Buffer>)
      hash.update(chunk);
    return hash.digest("hex");
  }

  private planned(path: string): boolean {
    return this.changes.some((c) => c.path === path && (c.action === "remove" || c.action === "truncate"));
  }

  async truncate(path: string, reason: string): Promise<void> {
    if (this.planned(path)) return;
    const before = await this.digest(path);
    if (before === EMPTY_DIGEST) return;
    this.changes.push({ action: "truncate", path, reason, before, operation: this.operation });
    this.pending.set(path, Buffer.alloc(0));
  }

  async remove(path: string, reason: string): Promise<void> {
    if (this.pending.get(path) === null) return;
    const before = await this.digest(path);
    this.changes.push({ action: "remove", path, reason, before, operation: this.operation });
    this.pending.set(path, null);
  }

  async replace(path: string, content: Buffer, reason: string, edits?: LineEdit[]): Promise<void> {
    const current = await this.read(path);
    if (current?.equals(content)) return;
    const before = await this.digest(path);
    this.changes.push({
      action: "replace",
      path,
      reason,
      before,
      content,
      operation: this.operation,
      ...(edits ? { edits } : {}),
    });
    this.pending.set(path, content);
  }

  /** Creates a new file, or replaces the content of one this plan already created. */
  async create(path: string, content: Buffer, mode: number, reason: string): Promise<void> {
    const earlier = this.changes.find((c) => c.path === path && c.action === "create");
    if (earlier && earlier.action === "create") {
      earlier.content = content;
      earlier.reason = `${earlier.reason}; ${reason}`;
    } else {
      this.changes.push({ action: "create", path, reason, content, mode, operation: this.operation });
    }
    this.pending.set(path, content);
  }

  /** Edits lines of a text file: `edit` maps each line to its replacement (undefined keeps it). */
  async editLines(
    path: string,
    reason: string,
    edit: (line: string, n: number) => string | undefined,
    opts: { insertTop?: string; show?: (line: string) => string } = {},
  ): Promise<boolean> {
    const { insertTop, show = (l: string) => l } = opts;
    const bytes = await this.read(path);
    if (bytes === undefined) return false;
    const text = bytes.toString("utf8");
    const lines = text.split("\n");
    const edits: LineEdit[] = [];
    const out = lines.map((line, i) => {
      if (i === lines.length - 1 && line === "") return line;
      const next = edit(line, i + 1);
      if (next === undefined || next === line) return line;
      edits.push({ line: i + 1, old: show(line), new: show(next) });
      return next;
    });
    if (insertTop !== undefined) {
      out.unshift(insertTop);
      edits.unshift({ line: 0, new: insertTop });
    }
    if (edits.length === 0) return false;
    await this.replace(path, Buffer.from(out.join("\n")), reason, edits);
    return true;
  }
}
