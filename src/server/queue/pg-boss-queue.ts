/**
 * The job queue on PostgreSQL through pg-boss (its own schema, `pgboss`, beside the catalogue's
 * tables): jobs are rows taken with SKIP LOCKED, so any number of workers share one queue. A job's
 * attempt expires after its visibility timeout (a worker killed mid-job loses nothing: maintenance
 * puts the job back for another worker); a job out of attempts is copied to its kind's dead-letter
 * queue, whose handler records the failure.
 */
import { createHash } from "node:crypto";
import PgBoss from "pg-boss";
import { redactedUrl } from "../store/postgres/database.js";
import {
  type EnqueueOptions,
  JOB_ATTEMPTS,
  type Job,
  type JobKind,
  type JobPayloads,
  type JobQueue,
  type JobState,
} from "./jobs.js";

/** The queue of a kind, and where its dead jobs go. */
const queueName = (kind: JobKind) => `amigate-${kind}`;
const deadName = (kind: JobKind) => `amigate-${kind}-dead`;

/**
 * How often expired attempts are put back (and old jobs archived): pg-boss's default of two
 * minutes would leave a killed worker's job waiting that long past its expiry. One node per
 * interval does it (pg-boss records the time in its own table).
 */
const MAINTENANCE_SECONDS = 10;
/** How often an idle runner asks for a job. */
const POLLING_SECONDS = 1;

/** A job id from its kind and key (pg-boss ids are UUIDs): the same key is the same job. */
export function jobId(kind: JobKind, key: string): string {
  const h = createHash("sha256").update(`${kind}\0${key}`).digest("hex");
  // RFC 9562 version 8 (custom) with the RFC variant bits.
  const variant = ((Number.parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A failed attempt's output as one line: pg-boss keeps the thrown error or its own message. */
function reasonOf(output: unknown): string {
  const o = output as { message?: unknown; value?: { message?: unknown } } | null | undefined;
  const message = o?.message ?? o?.value?.message;
  return typeof message === "string" && message !== "" ? message : "no reason recorded";
}

function newBoss(url: string, supervise: boolean): PgBoss {
  const boss = new PgBoss({
    connectionString: url,
    max: Number(process.env.AMIGATE_QUEUE_POOL) || 4,
    application_name: "amigate-queue",
    supervise,
    maintenanceIntervalSeconds: MAINTENANCE_SECONDS,
    // No cron schedules: the clock-skew monitor and cron workers are not needed.
    schedule: false,
  });
  // Every poller reports a lost database each second: one line per message per minute is enough.
  const said = new Map<string, number>();
  boss.on("error", (e: Error) => {
    const now = Date.now();
    if (now - (said.get(e.message) ?? Number.NEGATIVE_INFINITY) < 60_000) return;
    said.set(e.message, now);
    if (said.size > 100) said.delete(said.keys().next().value!);
    process.stderr.write(`amigate: job queue (${redactedUrl(url)}): ${e.message}\n`);
  });
  return boss;
}

/** PostgreSQL's "deadlock detected": the server rolled one side back; running it again is safe. */
const isDeadlock = (e: unknown) => (e as { code?: unknown } | null)?.code === "40P01";

/**
 * Runs an idempotent schema step again when PostgreSQL breaks a deadlock by failing it. Processes
 * starting together create different queues at once (scan and re-judge queues), and each
 * createQueue attaches a partition to pg-boss's job table: two attaches can deadlock, and the
 * losing worker used to exit with "deadlock detected".
 */
export async function retryOnDeadlock<T>(step: () => Promise<T>, attempts = 6): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (e) {
      if (!isDeadlock(e) || attempt >= attempts) throw e;
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 200 * attempt));
    }
  }
}

export class PgBossQueue implements JobQueue {
  readonly #boss: PgBoss;
  readonly #retryDelaySeconds: number;
  readonly #created = new Map<JobKind, Promise<void>>();

  private constructor(boss: PgBoss, retryDelaySeconds: number) {
    this.#boss = boss;
    this.#retryDelaySeconds = retryDelaySeconds;
  }

  /**
   * Connects (at most `AMIGATE_QUEUE_POOL`, default 4, connections of this process) and installs
   * or upgrades pg-boss's schema (under its own advisory lock, so nodes may start together). A
   * failed attempt is retried after retryDelaySeconds, doubling (with jitter) each time.
   */
  static async open(url: string, options: { retryDelaySeconds?: number } = {}): Promise<PgBossQueue> {
    const boss = newBoss(url, true);
    await boss.start();
    return new PgBossQueue(boss, options.retryDelaySeconds ?? 5);
  }

  /** Installs or upgrades pg-boss's schema and leaves (`amigate migrate`). */
  static async install(url: string): Promise<void> {
    const boss = newBoss(url, false);
    await boss.start();
    await boss.stop({ graceful: false, wait: true });
  }

  /** Both queues of a kind exist before the first job (pg-boss 10 refuses jobs for unknown queues). */
  #ensure(kind: JobKind): Promise<void> {
    let created = this.#created.get(kind);
    if (!created) {
      created = retryOnDeadlock(async () => {
        await this.#boss.createQueue(deadName(kind), { name: deadName(kind), retryLimit: JOB_ATTEMPTS - 1 });
        await this.#boss.createQueue(queueName(kind), {
          name: queueName(kind),
          retryLimit: JOB_ATTEMPTS - 1,
          retryDelay: this.#retryDelaySeconds,
          retryBackoff: this.#retryDelaySeconds > 0,
          deadLetter: deadName(kind),
        });
      });
      created.catch(() => this.#created.delete(kind));
      this.#created.set(kind, created);
    }
    return created;
  }

  async enqueue<K extends JobKind>(kind: K, data: JobPayloads[K], options: EnqueueOptions): Promise<void> {
    await this.#ensure(kind);
    await this.#boss.send(queueName(kind), data, {
      id: jobId(kind, options.key),
      expireInSeconds: options.expireInSeconds,
      deadLetter: deadName(kind),
    });
  }

  async work<K extends JobKind>(kind: K, slots: number, run: (job: Job<K>) => Promise<void>): Promise<void> {
    await this.#ensure(kind);
    // One pg-boss worker per slot, each taking one job at a time: a batch would finish together.
    for (let n = 0; n < slots; n++)
      await this.#boss.work<JobPayloads[K]>(
        queueName(kind),
        { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: POLLING_SECONDS },
        async ([job]) => {
          if (!job) return;
          await run({
            kind,
            data: job.data,
            attempt: job.retryCount + 1,
            // pg-boss hands the expiry over as numeric text ("60.000000").
            expireInSeconds: Number(job.expireInSeconds),
          });
        },
      );
  }

  async onDead<K extends JobKind>(
    kind: K,
    record: (data: JobPayloads[K], reason: string) => Promise<void>,
  ): Promise<void> {
    await this.#ensure(kind);
    await this.#boss.work<JobPayloads[K]>(
      deadName(kind),
      { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: POLLING_SECONDS * 5 },
      async ([job]) => {
        if (job) await record(job.data, reasonOf(job.output));
      },
    );
  }

  async state(kind: JobKind, key: string): Promise<JobState> {
    await this.#ensure(kind);
    const job = await this.#boss.getJobById(queueName(kind), jobId(kind, key), { includeArchive: true });
    if (!job) return "none";
    return job.state === "created" || job.state === "retry" || job.state === "active" ? "queued" : "ended";
  }

  async pending(kind: JobKind): Promise<{ waiting: number; running: number }> {
    await this.#ensure(kind);
    // pg-boss orders states created < retry < active < completed…: "before" counts the states below.
    const waiting = await this.#boss.getQueueSize(queueName(kind), { before: "active" });
    const notDone = await this.#boss.getQueueSize(queueName(kind), { before: "completed" });
    return { waiting, running: notDone - waiting };
  }

  async close(graceMs = 30_000): Promise<void> {
    // Running jobs get graceMs to finish; what is left is failed back to the queue, not lost.
    await this.#boss.stop({ graceful: true, timeout: graceMs, wait: true });
  }
}
