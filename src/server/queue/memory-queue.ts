/**
 * The job queue of one process (a SQLite catalogue): the same contract as pg-boss-queue.ts —
 * idempotent keys, attempts, a dead-job handler — kept in memory, so what is queued when the
 * process ends is gone (a single node re-queues its own unfinished work at start).
 */
import {
  type EnqueueOptions,
  JOB_ATTEMPTS,
  type Job,
  type JobKind,
  type JobPayloads,
  type JobQueue,
  type JobState,
} from "./jobs.js";

interface Entry {
  kind: JobKind;
  key: string;
  data: JobPayloads[JobKind];
  expireInSeconds: number;
  attempt: number;
  state: "queued" | "running" | "ended";
}

type Runner = (job: Job<JobKind>) => Promise<void>;
type DeadHandler = (data: JobPayloads[JobKind], reason: string) => Promise<void>;

export class MemoryQueue implements JobQueue {
  readonly #entries = new Map<string, Entry>();
  readonly #waiting = new Map<JobKind, Entry[]>();
  readonly #runners = new Map<JobKind, { slots: number; busy: number; run: Runner }>();
  readonly #dead = new Map<JobKind, DeadHandler>();
  readonly #running = new Set<Promise<void>>();
  #closed = false;

  async enqueue<K extends JobKind>(kind: K, data: JobPayloads[K], options: EnqueueOptions): Promise<void> {
    const id = `${kind}\0${options.key}`;
    if (this.#closed || this.#entries.has(id)) return;
    const entry: Entry = {
      kind,
      key: options.key,
      data,
      expireInSeconds: options.expireInSeconds,
      attempt: 0,
      state: "queued",
    };
    this.#entries.set(id, entry);
    this.#push(entry);
  }

  async work<K extends JobKind>(kind: K, slots: number, run: (job: Job<K>) => Promise<void>): Promise<void> {
    this.#runners.set(kind, { slots, busy: 0, run: run as unknown as Runner });
    this.#pump(kind);
  }

  async onDead<K extends JobKind>(
    kind: K,
    record: (data: JobPayloads[K], reason: string) => Promise<void>,
  ): Promise<void> {
    this.#dead.set(kind, record as unknown as DeadHandler);
  }

  async state(kind: JobKind, key: string): Promise<JobState> {
    const e = this.#entries.get(`${kind}\0${key}`);
    if (!e) return "none";
    return e.state === "ended" ? "ended" : "queued";
  }

  async pending(kind: JobKind): Promise<{ waiting: number; running: number }> {
    let waiting = 0;
    let running = 0;
    for (const e of this.#entries.values())
      if (e.kind === kind && e.state === "queued") waiting++;
      else if (e.kind === kind && e.state === "running") running++;
    return { waiting, running };
  }

  /** Resolves when nothing is queued or running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }

  async close(graceMs = 30_000): Promise<void> {
    this.#closed = true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.idle(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
  }

  #push(entry: Entry): void {
    const q = this.#waiting.get(entry.kind);
    if (q) q.push(entry);
    else this.#waiting.set(entry.kind, [entry]);
    this.#pump(entry.kind);
  }

  #pump(kind: JobKind): void {
    const runner = this.#runners.get(kind);
    const q = this.#waiting.get(kind);
    while (runner && q && q.length > 0 && runner.busy < runner.slots && !this.#closed) {
      const entry = q.shift()!;
      entry.state = "running";
      entry.attempt++;
      runner.busy++;
      const job = { kind, data: entry.data, attempt: entry.attempt, expireInSeconds: entry.expireInSeconds };
      const done = this.#attempt(entry, () => runner.run(job)).finally(() => {
        runner.busy--;
        this.#running.delete(done);
        this.#pump(kind);
      });
      this.#running.add(done);
    }
  }

  async #attempt(entry: Entry, run: () => Promise<void>): Promise<void> {
    try {
      await run();
      entry.state = "ended";
    } catch (e) {
      if (entry.attempt < JOB_ATTEMPTS && !this.#closed) {
        entry.state = "queued";
        this.#push(entry);
        return;
      }
      entry.state = "ended";
      await this.#dead
        .get(entry.kind)?.(entry.data, (e as Error).message ?? String(e))
        .catch((err: Error) =>
          process.stderr.write(`amigate: recording a dead ${entry.kind} job: ${err.message}\n`),
        );
    }
  }
}
