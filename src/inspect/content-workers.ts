import type { Worker } from "node:worker_threads";
import { siblingModule, startModuleWorker } from "../io/module-worker.js";
import { addReadCounts, type HostReadJob, type ReadCounts } from "./content-host.js";
import { appendSink, type ScanSink } from "./content-scan.js";
import { type PackedReadJobs, ReadJobList } from "./read-jobs.js";

/** One file, or one piece of a file read in pieces, in a batch's buffer at [start, end). */
export interface ContentBatchFile {
  path: string;
  /** The publisher's configuration (not installed by a language package manager). */
  configuration: boolean;
  start: number;
  end: number;
  /** Set for a file read in pieces: the main thread's number for it, the same in every piece. */
  piece?: number;
  /** The last piece of a file read in pieces. */
  last?: boolean;
}

export interface ContentBatch {
  buffer: ArrayBuffer;
  files: ContentBatchFile[];
}

export type ToContentWorker =
  | { type: "batch"; batch: ContentBatch }
  | { type: "read"; jobs: PackedReadJobs }
  | { type: "finish" };

export type FromContentWorker =
  | { type: "done"; buffer: ArrayBuffer }
  | { type: "read"; count: number; archives: ArchiveJob[] }
  | { type: "result"; sink: ScanSink; unknowns: ContentThreadUnknown[]; counts: ReadCounts };

/** An archive or compressed file a content thread found among its reads: the main thread opens it. */
export interface ArchiveJob {
  path: string;
  /** Its size as walked. */
  size: number;
  configuration: boolean;
}

/** A file a content thread could not read or scan: the error's line, and its code when it had one (ENOENT…). */
export interface ContentThreadUnknown {
  path: string;
  error: string;
  code?: string;
}

/** What the thread found: its matches, the files it could not scan with why, and what it read itself. */
export interface ContentThreadResult {
  sink: ScanSink;
  unknowns: ContentThreadUnknown[];
  counts: ReadCounts;
}

/**
 * Bytes per batch: one message per ~1 MiB of text, not one per file (a message costs tens of µs,
 * and most text files are a few KiB).
 */
const BATCH_BYTES = 1024 * 1024;
/** Batches in flight at most: the main thread waits when the worker is this far behind. */
const BATCHES = 4;
/**
 * Files the worker reads itself, per message and at most in flight: a message costs tens of µs,
 * and a lane holding more than a few messages leaves the other lanes idle at the end.
 */
const READ_JOBS = 64;
const READ_JOB_BYTES = 1024 * 1024;
const READS = 4;

const WORKER_URL = siblingModule(import.meta.url, "content-worker");
/**
 * The worker's young generation (MiB). What it keeps is tiny (its matches), but V8's default let
 * its garbage text strings take ~80 MB of RSS at 300 k files, a third of the scan's; 4 MiB cost no
 * time measurably.
 */
const YOUNG_MB = 4;

interface OpenBatch {
  buffer: ArrayBuffer;
  bytes: Buffer;
  used: number;
  files: ContentBatchFile[];
}

/**
 * The content pass's worker thread (content-worker.ts): the main thread reads files and hands
 * their bytes over in batches; the worker scans them. Memory is bounded by BATCHES buffers. If the
 * worker fails, every later call and finish() throw: the pass then fails, never passes short.
 */
export class ContentThread {
  private readonly worker: Worker;
  private readonly free: ArrayBuffer[] = [];
  private readonly waiting: Array<{ resolve: (b: ArrayBuffer) => void; reject: (e: Error) => void }> = [];
  private allocated = 0;
  private current: OpenBatch | undefined;
  private failure: Error | undefined;
  private result: { resolve: (r: ContentThreadResult) => void; reject: (e: Error) => void } | undefined;
  private jobs = new ReadJobList();
  /** The planned bytes of the jobs in `jobs`, then of each read message posted and not yet done. */
  private jobsPlanned = 0;
  private readonly postedPlanned: number[] = [];
  private readsInFlight = 0;
  private readonly readWaiting: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];

  constructor(
    private readonly onArchive: (job: ArchiveJob) => void = () => {},
    /**
     * Told the planned bytes of the files read once the worker has read them (an archive's once it
     * is handed to onArchive, whose opener reports it when read): a progress bar then does not
     * reach its end while the thread still reads.
     */
    private readonly onRead: (plannedBytes: number) => void = () => {},
  ) {
    this.worker = startModuleWorker(WORKER_URL, { resourceLimits: { maxYoungGenerationSizeMb: YOUNG_MB } });
    this.worker.on("message", (message: FromContentWorker) => {
      if (message.type === "done") this.release(message.buffer);
      else if (message.type === "read") {
        // Messages are read and answered in the order posted.
        let planned = this.postedPlanned.shift() ?? 0;
        for (const job of message.archives) {
          planned -= job.size;
          this.onArchive(job);
        }
        this.onRead(planned);
        this.readsInFlight--;
        if (this.readsFull()) this.postReads();
        for (const w of this.readWaiting.splice(0)) w.resolve();
      } else {
        this.result?.resolve({ sink: message.sink, unknowns: message.unknowns, counts: message.counts });
        this.result = undefined;
      }
    });
    this.worker.on("error", (e) => this.fail(new Error(`content scan worker failed: ${e.message}`)));
    this.worker.on("exit", (code) => this.fail(new Error(`content scan worker exited (code ${code})`)));
  }

  /** Queues the text of one whole file (at most BATCH_BYTES); `data` may be reused once this resolves. */
  async file(path: string, configuration: boolean, data: Buffer): Promise<void> {
    await this.withRoom(data.length, (batch) =>
      this.put(batch, { path, configuration, start: 0, end: 0 }, data),
    );
  }

  /** Whether `bytes` more can be queued now without waiting for the worker. */
  hasRoom(bytes: number): boolean {
    this.check();
    const open = this.current;
    if (open && open.used + bytes <= open.bytes.length) return true;
    return this.free.length > 0 || this.allocated < BATCHES;
  }

  /** Queues one piece of a file read in pieces, in order; `last` ends the file. */
  async piece(id: number, path: string, configuration: boolean, data: Buffer, last: boolean): Promise<void> {
    let rest = data;
    do {
      await this.withRoom(Math.min(rest.length, BATCH_BYTES), (batch) => {
        const part = rest.subarray(0, Math.min(rest.length, batch.bytes.length - batch.used));
        rest = rest.subarray(part.length);
        const file: ContentBatchFile = { path, configuration, start: 0, end: 0, piece: id };
        if (last && rest.length === 0) file.last = true;
        this.put(batch, file, part);
      });
    } while (rest.length > 0);
  }

  /**
   * Queues a file for the worker to read from its host file and scan; `planned` is its size as the
   * pass planned it (onRead hands it back once read).
   */
  async read(job: HostReadJob, planned = job.extents.size): Promise<void> {
    // The list being filled is full and READS are in flight: wait for the worker.
    while (!this.readNow(job, planned))
      await new Promise<void>((resolve, reject) => this.readWaiting.push({ resolve, reject }));
  }

  /** read() when the file can be queued without waiting for the worker: true once queued. */
  readNow(job: HostReadJob, planned = job.extents.size): boolean {
    this.check();
    if (this.readsFull()) {
      if (this.readsInFlight >= READS) return false;
      this.postReads();
    }
    this.jobs.add(job);
    this.jobsPlanned += planned;
    if (this.readsFull() && this.readsInFlight < READS) this.postReads();
    return true;
  }

  /** Whether a file can be queued for reading now without waiting for the worker. */
  hasReadRoom(): boolean {
    this.check();
    return this.readsInFlight < READS || !this.readsFull();
  }

  /**
   * Every file queued for reading, read: the archives among them have been handed to `onArchive`
   * (whose members must reach the worker before finish()).
   */
  async settleReads(): Promise<void> {
    this.check();
    if (this.jobs.count > 0) this.postReads();
    while (this.readsInFlight > 0)
      await new Promise<void>((resolve, reject) => this.readWaiting.push({ resolve, reject }));
  }

  /** Everything queued, scanned: the worker's matches and unknowns. */
  async finish(): Promise<ContentThreadResult> {
    this.check();
    if (this.current && this.current.files.length > 0) this.post();
    if (this.jobs.count > 0) this.postReads();
    return new Promise((resolve, reject) => {
      this.result = { resolve, reject };
      this.worker.postMessage({ type: "finish" } satisfies ToContentWorker);
    });
  }

  /** Stops the worker (after finish(), or when the pass gave up). */
  stop(): void {
    this.failure ??= new Error("content scan worker stopped");
    void this.worker.terminate();
  }

  /** Copies `data` into the batch as `file` (its start and end are set here). */
  private put(batch: OpenBatch, file: ContentBatchFile, data: Buffer): void {
    // A batch already posted has a detached buffer: a copy into it copies nothing, silently.
    if (batch !== this.current || batch.used + data.length > batch.bytes.length)
      throw new Error("content thread: a batch was filled after it was sent");
    data.copy(batch.bytes, batch.used);
    file.start = batch.used;
    file.end = batch.used + data.length;
    batch.files.push(file);
    batch.used += data.length;
    if (batch.used === batch.bytes.length) this.post();
  }

  /**
   * Calls `fill` with the open batch once it has `bytes` free, starting the next one (and waiting
   * for a buffer to come back) when it has not. `fill` runs in the same turn as the check: a batch
   * handed back through an await could meanwhile be sent by another reader that found it too full,
   * and bytes copied into a sent batch were lost (a secret in them was never scanned).
   */
  private async withRoom(bytes: number, fill: (batch: OpenBatch) => void): Promise<void> {
    for (;;) {
      this.check();
      const open = this.current;
      if (open && open.used + bytes <= open.bytes.length) {
        fill(open);
        return;
      }
      if (open) this.post();
      const buffer = await this.take();
      if (this.current) this.release(buffer);
      else this.current = { buffer, bytes: Buffer.from(buffer), used: 0, files: [] };
    }
  }

  private take(): Promise<ArrayBuffer> {
    const spare = this.free.pop();
    if (spare) return Promise.resolve(spare);
    if (this.allocated < BATCHES) {
      this.allocated++;
      return Promise.resolve(new ArrayBuffer(BATCH_BYTES));
    }
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  private release(buffer: ArrayBuffer): void {
    const next = this.waiting.shift();
    if (next) next.resolve(buffer);
    else this.free.push(buffer);
  }

  private post(): void {
    const open = this.current!;
    this.current = undefined;
    const batch: ContentBatch = { buffer: open.buffer, files: open.files };
    this.worker.postMessage({ type: "batch", batch } satisfies ToContentWorker, [open.buffer]);
  }

  private readsFull(): boolean {
    return this.jobs.count >= READ_JOBS || this.jobs.bytes >= READ_JOB_BYTES;
  }

  private postReads(): void {
    const jobs = this.jobs.take();
    this.postedPlanned.push(this.jobsPlanned);
    this.jobsPlanned = 0;
    this.readsInFlight++;
    // Float64Array.from made the buffer: never a shared one.
    this.worker.postMessage({ type: "read", jobs } satisfies ToContentWorker, [
      jobs.numbers.buffer as ArrayBuffer,
    ]);
  }

  private check(): void {
    if (this.failure) throw this.failure;
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    for (const w of this.waiting.splice(0)) w.reject(error);
    for (const w of this.readWaiting.splice(0)) w.reject(error);
    this.result?.reject(error);
    this.result = undefined;
  }
}

/**
 * Several content threads as one: whole files go to whichever has room (in turn), a file read in
 * pieces always to the same one. At 300 k files one worker was the pass's limit while the main
 * thread waited for it a third of the time.
 */
export class ContentThreads {
  private readonly lanes: ContentThread[];
  private turn = 0;
  private pieces = 0;

  constructor(count: number, onArchive?: (job: ArchiveJob) => void, onRead?: (plannedBytes: number) => void) {
    this.lanes = Array.from({ length: Math.max(1, count) }, () => new ContentThread(onArchive, onRead));
  }

  /** Every file queued for reading, read (ContentThread.settleReads). */
  async settleReads(): Promise<void> {
    await Promise.all(this.lanes.map((l) => l.settleReads()));
  }

  /** Queues the text of one whole file (at most BATCH_BYTES); `data` may be reused once this resolves. */
  file(path: string, configuration: boolean, data: Buffer): Promise<void> {
    return this.laneWithRoom((lane) => lane.hasRoom(data.length)).file(path, configuration, data);
  }

  /** Queues a file for a worker to read from its host file and scan: to whichever has room. */
  read(job: HostReadJob, planned?: number): Promise<void> {
    return this.laneWithRoom((lane) => lane.hasReadRoom()).read(job, planned);
  }

  /** read() when some worker has room now: true once queued, false (nothing queued) when none has. */
  readNow(job: HostReadJob, planned?: number): boolean {
    return this.laneWithRoom((lane) => lane.hasReadRoom()).readNow(job, planned);
  }

  /** The first lane from the current turn on that has room; when every one is behind, the next in turn (to wait for). */
  private laneWithRoom(hasRoom: (lane: ContentThread) => boolean): ContentThread {
    for (let i = 0; i < this.lanes.length; i++) {
      const lane = this.lanes[(this.turn + i) % this.lanes.length]!;
      if (hasRoom(lane)) return lane;
    }
    const lane = this.lanes[this.turn]!;
    this.turn = (this.turn + 1) % this.lanes.length;
    return lane;
  }

  /** A number for a file read in pieces: give it to every piece(). */
  pieced(): number {
    return this.pieces++;
  }

  /** Queues one piece of a file read in pieces, in order; `last` ends the file. */
  piece(id: number, path: string, configuration: boolean, data: Buffer, last: boolean): Promise<void> {
    return this.lanes[id % this.lanes.length]!.piece(id, path, configuration, data, last);
  }

  /** Everything queued, scanned: the workers' matches (a file's all from one worker, in order) and unknowns. */
  async finish(): Promise<ContentThreadResult> {
    const results = await Promise.all(this.lanes.map((l) => l.finish()));
    const sink = results[0]!.sink;
    const counts = results[0]!.counts;
    for (const r of results.slice(1)) {
      appendSink(sink, r.sink);
      addReadCounts(counts, r.counts);
    }
    return { sink, unknowns: results.flatMap((r) => r.unknowns), counts };
  }

  stop(): void {
    for (const lane of this.lanes) lane.stop();
  }
}
