/**
 * `npm run fuzz [-- --seconds N] [--reader tar,ntfs] [--seed S] [--case-ms MS]`: mutates the real
 * fixtures and runs every reader on the mutants for a bounded time, printing per reader how many
 * inputs ran, survived (read, or a typed error; and of those, how many lost entries of their seed
 * without any error, for a look), and failed by kind. Failures and losses are saved under
 * ~/.cache/amigate-fixtures/fuzz-failures/<reader>/.
 * `npm run fuzz -- --replay FILE.json` reruns one saved failure in the foreground with its stack.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_SAVE_DIR, type FailureRecord, fuzzTarget, signature } from "./runner.js";
import { buildSeeds } from "./seeds.js";
import { targets } from "./targets.js";
import { runCase } from "./worker.js";

async function replay(file: string): Promise<void> {
  const record = JSON.parse(readFileSync(file, "utf8")) as FailureRecord;
  const dir = mkdtempSync(path.join(os.tmpdir(), "amigate-fuzz-replay-"));
  try {
    console.log(`${record.target} on ${record.seed.path}: ${record.ops.join("; ")}`);
    const result = await runCase(
      { id: 0, target: record.target, seed: record.seed, mutant: record.mutant },
      dir,
    );
    console.log(
      result.status === "failure"
        ? result.stack
        : `${result.status}: ${"detail" in result ? result.detail : ""}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const USAGE = `usage: npm run fuzz -- [--seconds N] [--reader ${targets.map((t) => t.name).join(",")}] [--seed S] [--case-ms MS] [--no-build]
       npm run fuzz -- --replay FILE.json`;

/** The command line's options, or undefined (said why, exit code 2) when they do not parse. */
function options() {
  try {
    return parseArgs({
      options: {
        seconds: { type: "string", default: "20" },
        reader: { type: "string" },
        seed: { type: "string", default: String(Date.now() % 1_000_000) },
        "case-ms": { type: "string", default: "2000" },
        replay: { type: "string" },
        "no-build": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }).values;
  } catch (e) {
    process.stderr.write(`fuzz: ${e instanceof Error ? e.message : String(e)}\n${USAGE}\n`);
    process.exitCode = 2;
    return undefined;
  }
}

async function main(): Promise<void> {
  const values = options();
  if (!values) return;
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const unknown = values.reader?.split(",").filter((r) => !targets.some((t) => t.name === r));
  if (unknown?.length) {
    process.stderr.write(`fuzz: no reader named ${unknown.join(", ")}\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  if (values.replay) return replay(values.replay);
  if (!values["no-build"])
    for (const failure of buildSeeds()) console.error(`(${failure}; its readers may have no seeds)`);
  const wanted = values.reader?.split(",");
  const seed = Number(values.seed);
  console.log(
    `fuzz seed ${seed} (rerun the same mutants with --seed ${seed}); failures saved under ${DEFAULT_SAVE_DIR}`,
  );
  let failed = 0;
  for (const target of targets) {
    if (wanted && !wanted.includes(target.name)) continue;
    const missing = await target.missing?.();
    if (missing) {
      console.log(`${target.name.padEnd(10)} skipped: ${missing}`);
      continue;
    }
    const stats = await fuzzTarget(target, {
      timeMs: Number(values.seconds) * 1000,
      seed,
      caseMs: Number(values["case-ms"]),
      saveDir: DEFAULT_SAVE_DIR,
    });
    if (stats.run === 0) {
      console.log(`${target.name.padEnd(10)} skipped: no seed images (see fixtures/)`);
      continue;
    }
    const kinds = [...stats.failures].map(([k, n]) => `${k} ${n}`).join(", ");
    console.log(
      `${target.name.padEnd(10)} ${String(stats.run).padStart(6)} inputs, ${String(stats.survived).padStart(6)} survived (${stats.typed} typed errors${stats.lost ? `, ${stats.lost} lost entries without an error: saved` : ""})${kinds ? `, failures: ${kinds}` : ""}`,
    );
    const distinct = new Map<string, FailureRecord>();
    for (const s of stats.samples) if (!distinct.has(signature(s))) distinct.set(signature(s), s);
    for (const [sig, s] of distinct) console.log(`    ${sig}: ${s.message.slice(0, 120)}`);
    failed += stats.run - stats.survived;
  }
  process.exitCode = failed > 0 ? 1 : 0;
}

await main();
