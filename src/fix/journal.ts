import { closeSync, fsyncSync, openSync, realpathSync, writeSync } from "node:fs";
import path from "node:path";
import type { Digest, PlannedChange } from "./operation.js";

/** One line of the journal (JSON Lines): what was done to which file, with digests to prove it. */
export interface JournalEntry {
  time: string;
  operation: string;
  action: PlannedChange["action"];
  path: string;
  /** sha256 before ("absent" for a created file; "dir", "link:<target>" or the file type otherwise). */
  before: Digest;
  /** sha256 after ("absent" once removed); undefined when the change was not made. */
  after?: Digest;
  status: "applied" | "refused" | "failed";
  detail?: string;
}

export class JournalError extends Error {
  override readonly name = "JournalError";
}

/** ./amigate-fix-<timestamp>.jsonl in the working directory. */
export function defaultJournalPath(now: Date, cwd = process.cwd()): string {
  return path.join(cwd, `amigate-fix-${now.toISOString().replace(/[:.]/g, "-")}.jsonl`);
}

/** Is `file` (existing or not) at or below `root`, after resolving symlinks of what exists? */
export function isInside(file: string, root: string): boolean {
  const realRoot = realpathSync(root);
  let dir = path.resolve(path.dirname(file));
  const tail: string[] = [path.basename(file)];
  for (;;) {
    try {
      dir = realpathSync(dir);
      break;
    } catch {
      tail.unshift(path.basename(dir));
      const up = path.dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  const full = path.join(dir, ...tail);
  const rel = path.relative(realRoot, full);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/** Appends entries to a JSONL file outside the image root, synced as it goes. */
export class Journal {
  readonly entries: JournalEntry[] = [];
  private fd: number | undefined;

  constructor(
    readonly file: string | undefined,
    imageRoot?: string,
  ) {
    // A live system (root "/") holds every path: there the journal lives on it, and the CLI says so.
    if (file && imageRoot && realpathSync(imageRoot) !== "/" && isInside(file, imageRoot))
      throw new JournalError(
        `the journal ${file} would be inside the image root ${imageRoot}; name one outside it with --journal`,
      );
  }

  record(entry: Omit<JournalEntry, "time">): void {
    const full: JournalEntry = { time: new Date().toISOString(), ...entry };
    this.entries.push(full);
    if (!this.file) return;
    if (this.fd === undefined) this.fd = openSync(this.file, "a", 0o600);
    writeSync(this.fd, `${JSON.stringify(full)}\n`);
    fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
