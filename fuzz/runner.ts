/**
 * Drives one target: makes mutants of its seeds (deterministic from a base seed), runs each in a
 * worker thread with a time budget and a heap limit, and sorts outcomes into survived (read, or a
 * typed error) and failures by kind (TypeError, RangeError, hang, oom, ...). Failures are saved
 * with their mutation so they can be replayed (`npm run fuzz -- --replay FILE`).
 */
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { type Mutant, mutantSize, mutantSource, mutate, Prng, type Region } from "./mutate.js";
import { FIXTURES, type FuzzTarget, openSeed, type Seed } from "./targets.js";
import type { CaseMessage, CaseResult } from "./worker.js";

export interface FuzzOptions {
  /** Stop after this long (ms)... */
  timeMs?: number;
  /** ...or after this many cases, whichever comes first. */
  cases?: number;
  /** Run at least this many cases, even past `timeMs`. */
  minCases?: number;
  /** Base seed of the PRNG: same seed, same mutants. */
  seed?: number;
  /** Per-case wall-time budget. */
  caseMs?: number;
  /** V8 heap limit of the worker. */
  heapMb?: number;
  /** The module `target` comes from when it is not in the main table (worker.ts CaseMessage). */
  module?: string;
  /** Where failures are saved; undefined: not saved. */
  saveDir?: string;
}

export interface FailureRecord {
  target: string;
  seed: Seed;
  caseSeed: number;
  kind: string;
  message: string;
  stack: string;
  ops: string[];
  mutant: Mutant;
}

export interface FuzzStats {
  target: string;
  run: number;
  survived: number;
  /** of the survivors, how many threw a typed error */
  typed: number;
  /** of the survivors, how many lost entries of their seed without any error (worth a look) */
  lost: number;
  failures: Map<string, number>;
  samples: FailureRecord[];
}

export const DEFAULT_SAVE_DIR = path.join(FIXTURES, "fuzz-failures");
/** Besides the heap limit: external memory (Buffers) shows in the process RSS. */
const RSS_LIMIT = 1536 * 1024 * 1024;

class CaseWorker {
  private worker: Worker;
  /** Wall time of the last case from the moment the reader started (mutant written, modules loaded). */
  lastMs = 0;
  readonly dir = mkdtempSync(path.join(os.tmpdir(), "amigate-fuzz-"));
  private pending:
    | {
        resolve: (r: CaseResult | { status: "died"; kind: string; message: string }) => void;
        started: () => void;
      }
    | undefined;

  constructor(heapMb: number) {
    this.worker = new Worker(new URL("./worker-boot.mjs", import.meta.url), {
      workerData: { dir: this.dir },
      resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: 32 },
      stdout: true,
      stderr: true,
    });
    this.worker.on("message", (r: CaseResult) => {
      if (r.status === "started") this.pending?.started();
      else this.settle(r);
    });
    this.worker.on("error", (e: Error & { code?: string }) =>
      this.settle({
        status: "died",
        kind: e.code === "ERR_WORKER_OUT_OF_MEMORY" ? "oom" : `uncaught ${e.name}`,
        message: e.message,
      }),
    );
    this.worker.on("exit", (code) =>
      this.settle({ status: "died", kind: "worker exit", message: `code ${code}` }),
    );
  }

  private settle(r: CaseResult | { status: "died"; kind: string; message: string }): void {
    const p = this.pending;
    this.pending = undefined;
    p?.resolve(r);
  }

  run(
    message: CaseMessage,
    caseMs: number,
  ): Promise<CaseResult | { status: "died"; kind: string; message: string }> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      let watch: NodeJS.Timeout | undefined;
      let startedAt = Date.now();
      const done = (r: CaseResult | { status: "died"; kind: string; message: string }) => {
        this.lastMs = Date.now() - startedAt;
        clearTimeout(timer);
        clearInterval(watch);
        resolve(r);
      };
      this.pending = {
        resolve: done,
        started: () => {
          startedAt = Date.now();
          timer = setTimeout(
            () => this.settle({ status: "died", kind: "hang", message: `no answer within ${caseMs} ms` }),
            caseMs,
          );
          watch = setInterval(() => {
            if (process.memoryUsage().rss > RSS_LIMIT)
              this.settle({ status: "died", kind: "memory", message: "process RSS above 1.5 GiB" });
          }, 50);
        },
      };
      this.worker.postMessage(message);
    });
  }

  async stop(): Promise<void> {
    this.worker.removeAllListeners();
    await this.worker.terminate();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function caseSeed(base: number, target: string, n: number): number {
  return createHash("sha256").update(`${base}:${target}:${n}`).digest().readUInt32LE(0);
}

/** Seed sizes and metadata regions, read once per seed. */
async function prepareSeeds(
  target: FuzzTarget,
): Promise<Array<{ seed: Seed; size: number; regions: Region[] }>> {
  const out = [];
  for (const seed of target.seeds()) {
    const source = await openSeed(seed);
    try {
      const regions = target.regions ? await target.regions(source, seed.path).catch(() => []) : [];
      out.push({ seed, size: source.size, regions: regions.filter((r) => r.offset < source.size) });
    } finally {
      await source.close();
    }
  }
  return out;
}

export async function fuzzTarget(target: FuzzTarget, options: FuzzOptions = {}): Promise<FuzzStats> {
  const {
    timeMs = 20_000,
    cases = Number.POSITIVE_INFINITY,
    seed = 1,
    caseMs = 2000,
    heapMb = 256,
  } = options;
  const stats: FuzzStats = {
    target: target.name,
    run: 0,
    survived: 0,
    typed: 0,
    lost: 0,
    failures: new Map(),
    samples: [],
  };
  const seeds = await prepareSeeds(target);
  if (seeds.length === 0) return stats;
  const saved = new Map<string, number>();
  if (options.saveDir) rmSync(path.join(options.saveDir, target.name), { recursive: true, force: true });
  let worker = new CaseWorker(heapMb);
  try {
    // Each seed unmutated first: it must read cleanly, and its time sets the budget of its mutants
    // (a walk of a 10,000-file XFS image takes longer than one of a 30 KiB hive).
    const budgets: number[] = [];
    for (const s of seeds) {
      const clean = await worker.run(
        {
          id: -1,
          target: target.name,
          module: options.module,
          seed: s.seed,
          mutant: { ops: [], pieces: [{ seed: 0, length: s.size }] },
        },
        60_000,
      );
      if (clean.status !== "ok" && clean.status !== "typed")
        throw new Error(
          `${target.name}: seed ${s.seed.path} does not read cleanly: ${JSON.stringify(clean)}`,
        );
      budgets.push(Math.max(caseMs, 4 * worker.lastMs));
    }
    const deadline = Date.now() + timeMs;
    const minCases = options.minCases ?? 0;
    for (let n = 0; n < cases && (n < minCases || Date.now() < deadline); n++) {
      const s = seeds[n % seeds.length]!;
      const cs = caseSeed(seed, target.name, n);
      const mutant = mutate(new Prng(cs), s.size, s.regions);
      const budget = budgets[n % seeds.length]!;
      const result = await worker.run(
        { id: n, target: target.name, module: options.module, seed: s.seed, mutant },
        budget,
      );
      stats.run++;
      if (result.status !== "failure" && result.status !== "died") {
        stats.survived++;
        if (result.status === "typed") stats.typed++;
        // Not a failure (a zeroed directory is empty for the kernel too), but each is kept for a
        // look: a file the instance sees and a scan never reads is what the readers must not allow.
        if (result.status === "ok" && result.lost) {
          stats.lost++;
          const record: FailureRecord = {
            target: target.name,
            seed: s.seed,
            caseSeed: cs,
            kind: "lost",
            message: `${result.lost} entries of the seed lost without an error (${result.lostExample})`,
            stack: "",
            ops: mutant.ops,
            mutant,
          };
          if (options.saveDir) await save(options.saveDir, record, saved);
        }
        continue;
      }
      const kind = result.kind;
      stats.failures.set(kind, (stats.failures.get(kind) ?? 0) + 1);
      const record: FailureRecord = {
        target: target.name,
        seed: s.seed,
        caseSeed: cs,
        kind,
        message: kind === "hang" ? `no answer within ${budget} ms` : result.message,
        stack: "stack" in result ? result.stack : "",
        ops: mutant.ops,
        mutant,
      };
      if (stats.samples.length < 50) stats.samples.push(record);
      if (options.saveDir) await save(options.saveDir, record, saved);
      if (result.status === "died") {
        await worker.stop();
        worker = new CaseWorker(heapMb);
      }
    }
  } finally {
    await worker.stop();
  }
  return stats;
}

/** Where in our code it broke: the first stack frame under src/ (the dedup key with the kind). */
export function signature(record: FailureRecord): string {
  const frame = record.stack.split("\n").find((l) => l.includes("/src/")) ?? record.message.slice(0, 60);
  return `${record.kind} ${frame.trim().replace(/^at /, "")}`;
}

/** Keeps three samples per distinct failure: the mutation (JSON) and, when small, the mutant bytes. */
async function save(dir: string, record: FailureRecord, saved: Map<string, number>): Promise<void> {
  const sig = signature(record);
  const count = saved.get(sig) ?? 0;
  saved.set(sig, count + 1);
  if (count >= 3) return;
  const folder = path.join(dir, record.target);
  mkdirSync(folder, { recursive: true });
  const name = `${record.kind.replace(/\W+/g, "-")}-${createHash("sha1").update(sig).digest("hex").slice(0, 8)}-${count}`;
  writeFileSync(
    path.join(folder, `${name}.json`),
    `${JSON.stringify({ signature: sig, ...record }, null, 1)}\n`,
  );
  if (mutantSize(record.mutant) <= 16 * 1024 * 1024) {
    const source = await mutantSource(record.seed.path, record.mutant, name);
    try {
      writeFileSync(path.join(folder, `${name}.bin`), await source.read(0, source.size));
    } finally {
      await source.close();
    }
  }
}
