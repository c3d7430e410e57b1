import type { Readable } from "node:stream";
import type { DirEntry, EntryStat, FileStat, FileTree } from "../fs/filetree.js";
import type { ContentProgress } from "../inspect/context.js";
import type { ByteSource } from "../io/bytes.js";
import type { TransferProgress } from "../server/client.js";

/** Where the bar is drawn: a terminal's stderr. */
export interface ProgressSink {
  write(text: string): void;
  /** Terminal width; the line is cut to fit so it never wraps (a wrapped line cannot be redrawn). */
  columns?: number;
}

export interface ProgressState {
  label: string;
  done: number;
  /** Known once the content pass has chosen what it reads; undefined while the tree is walked. */
  total?: number;
  unit: "bytes" | "files";
  /** Shown after the amount when set (uploads and downloads). */
  bytesPerSecond?: number;
}

const BAR_WIDTH = 24;
const CLEAR_LINE = "\r\x1b[2K";

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(bytes < 10 * 1048576 ? 1 : 0)} MiB`;
}

/** One line, no newline: "scanning disk [#######.........]  42%  210 MiB of 500 MiB  12.5 MiB/s". */
export function renderProgress(s: ProgressState, columns?: number): string {
  const width = columns !== undefined && columns >= 20 ? columns : 80;
  let line: string;
  if (s.total !== undefined && s.total > 0) {
    const ratio = Math.min(1, s.done / s.total);
    const filled = Math.round(ratio * BAR_WIDTH);
    const amount = s.unit === "bytes" ? `${mib(s.done)} of ${mib(s.total)}` : `${s.done} of ${s.total} files`;
    line = `${s.label} [${"#".repeat(filled)}${".".repeat(BAR_WIDTH - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)}%  ${amount}`;
  } else {
    line = `${s.label}  ${s.unit === "bytes" ? `${mib(s.done)} read` : `${s.done.toLocaleString("en-US")} files`}`;
    if (s.total === 0) line = `${s.label} [${"#".repeat(BAR_WIDTH)}] 100%  nothing to read`;
  }
  if (s.bytesPerSecond !== undefined) line += `  ${mib(s.bytesPerSecond)}/s`;
  // Too long: the label gives way first (the numbers are what is read), then the end.
  const over = line.length - (width - 1);
  if (over > 0 && s.label.length - over >= 8)
    line = `${s.label.slice(0, s.label.length - over - 1)}…${line.slice(s.label.length)}`;
  return line.length > width - 1 ? line.slice(0, width - 1) : line;
}

/**
 * A progress line redrawn in place at most every `intervalMs` (~10 times a second), cleared by
 * finish(). Only ever given a TTY: the caller decides whether to draw at all.
 */
export class ProgressBar {
  private readonly state: ProgressState;
  private readonly started: number;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private drawn = false;
  private finished = false;

  constructor(
    private readonly sink: ProgressSink,
    state: ProgressState,
    private readonly clock: () => number = Date.now,
    private readonly intervalMs = 100,
    /** Show bytes per second since the bar was made. */
    private readonly showRate = false,
  ) {
    this.state = { ...state };
    this.started = clock();
  }

  setTotal(total: number | undefined): void {
    this.state.total = total;
  }

  /** Starts counting something else (files walked, then bytes of the files read). */
  phase(unit: ProgressState["unit"], total?: number): void {
    this.state.unit = unit;
    this.state.done = 0;
    this.state.total = total;
    this.lastDraw = Number.NEGATIVE_INFINITY;
  }

  /** What the bar shows now. */
  get current(): Readonly<ProgressState> {
    return this.state;
  }

  add(amount: number): void {
    this.state.done += amount;
    const now = this.clock();
    // The last step is always drawn: a bar that ends at 97 % looks stuck.
    const complete = this.state.total !== undefined && this.state.done >= this.state.total;
    if (complete || now - this.lastDraw >= this.intervalMs) {
      this.lastDraw = now;
      this.draw();
    }
  }

  private draw(): void {
    if (this.finished) return;
    const seconds = (this.clock() - this.started) / 1000;
    if (this.showRate && seconds > 0) this.state.bytesPerSecond = this.state.done / seconds;
    this.sink.write(`${CLEAR_LINE}${renderProgress(this.state, this.sink.columns)}`);
    this.drawn = true;
  }

  /** Removes the line, so the report (or an error) starts on a clean line. */
  finish(): void {
    if (this.drawn && !this.finished) this.sink.write(CLEAR_LINE);
    this.finished = true;
  }
}

/**
 * The bar over a scan: while the tree is walked it counts what `walked` reports (files, or bytes
 * of a disk read), with no total; once a root's content pass says what it will read, it shows
 * bytes of those files, with a percentage that reaches 100 % when the pass ends. Several roots add
 * their plans as they start.
 */
export function scanProgress(bar: ProgressBar): ContentProgress {
  let reading = false;
  return {
    planned(bytes) {
      if (!reading) {
        reading = true;
        bar.phase("bytes", bytes);
      } else bar.setTotal((bar.current.total ?? 0) + bytes);
      bar.add(0);
    },
    read(bytes) {
      bar.add(bytes);
    },
  };
}

/** A ByteSource that reports every read's length (the virtual disk's bytes read so far). */
export function countingSource(source: ByteSource, onRead: (bytes: number) => void): ByteSource {
  return {
    description: source.description,
    size: source.size,
    async read(offset: number, length: number): Promise<Buffer> {
      const b = await source.read(offset, length);
      onRead(length);
      return b;
    },
    ...(source.readInto
      ? {
          readInto: async (offset: number, target: Buffer): Promise<void> => {
            await source.readInto!(offset, target);
            onRead(target.length);
          },
        }
      : {}),
    // Bytes another thread reads there are not counted here: the content pass reports its own.
    ...(source.hostFile ? { hostFile: source.hostFile } : {}),
    ...(source.hostMap ? { hostMap: source.hostMap } : {}),
    close: () => source.close(),
  };
}

/** A FileTree that reports every directory entry listed (files walked, for directories and archives). */
export function countingTree(tree: FileTree, onEntries: (count: number) => void): FileTree {
  return {
    description: tree.description,
    lstat: (path: string): Promise<FileStat> => tree.lstat(path),
    async readdir(path: string): Promise<DirEntry[]> {
      const entries = await tree.readdir(path);
      onEntries(entries.length);
      return entries;
    },
    // Passed on when the tree has it: a walk without it lstats every entry by path.
    ...(tree.readdirStats
      ? {
          async readdirStats(path: string): Promise<EntryStat[]> {
            const entries = await tree.readdirStats!(path);
            onEntries(entries.length);
            return entries;
          },
        }
      : {}),
    readlink: (path: string) => tree.readlink(path),
    readFile: (path: string, options: { maxBytes: number; scratch?: Buffer }) => tree.readFile(path, options),
    createReadStream: (path: string, options?: { start?: number; end?: number }): Readable =>
      tree.createReadStream(path, options),
    ...(tree.sha256 ? { sha256: (path: string) => tree.sha256?.(path) } : {}),
    ...(tree.hostExtents
      ? { hostExtents: (path: string, ino?: number) => tree.hostExtents!(path, ino) }
      : {}),
    close: () => tree.close(),
  };
}

/**
 * A transfer's phases (push: hashing then uploading; pull: downloading) as one bar each on the
 * terminal, with the rate; undefined when stderr is not a terminal or progress is off.
 */
export function transferBar(
  name: string,
  enabled: boolean,
  stderr: NodeJS.WriteStream = process.stderr,
): (TransferProgress & { finish(): void }) | undefined {
  if (!enabled || stderr.isTTY !== true) return undefined;
  let bar: ProgressBar | undefined;
  const sink: ProgressSink = {
    write: (t) => stderr.write(t),
    ...(stderr.columns !== undefined ? { columns: stderr.columns } : {}),
  };
  return {
    phase(phase, total) {
      bar?.finish();
      bar = new ProgressBar(
        sink,
        { label: `${phase} ${name}`, done: 0, total, unit: "bytes" },
        Date.now,
        100,
        true,
      );
    },
    advance: (bytes) => bar?.add(bytes),
    finish: () => bar?.finish(),
  };
}
