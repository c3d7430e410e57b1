import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

export interface Measurement {
  wallMs: number;
  /** Peak resident set size of the measured process tree's main process, in MiB (when known). */
  peakRssMiB?: number;
  /** CPU time of the whole measured process tree (GNU time's %U and %S: every waited-for child). */
  userMs?: number;
  sysMs?: number;
  /**
   * Minor page faults of the measured process tree (GNU time's %R): memory touched for the first
   * time. On the bench VM one costs ~11 µs, and a one-shot scan of the small disk makes ~25 k.
   */
  minorFaults?: number;
}

export interface MeasureOptions {
  shell?: boolean;
  /** Added to the environment (e.g. LIBGUESTFS_BACKEND for virt-inspector). */
  env?: Record<string, string>;
  /** Exit codes that mean the command did its work (default 0 and 1: a scan with findings). */
  okCodes?: readonly number[];
}

/**
 * Runs a command and measures its wall time; peak RSS and user/system CPU time are taken from GNU
 * time's %M, %U and %S when /usr/bin/time exists (apt-get install time), else left out.
 */
export async function measure(
  command: string,
  args: string[],
  options: MeasureOptions = {},
): Promise<Measurement> {
  const useTime = existsSync("/usr/bin/time");
  const format = "AMIGATE_MAXRSS=%M AMIGATE_CPU=%U,%S AMIGATE_FAULTS=%R";
  const argv = useTime ? ["-f", format, command, ...args] : args;
  const bin = useTime ? "/usr/bin/time" : command;
  const start = process.hrtime.bigint();
  const stderr: Buffer[] = [];
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(bin, argv, {
      stdio: ["ignore", "ignore", "pipe"],
      shell: options.shell ?? false,
      env: options.env ? { ...process.env, ...options.env } : process.env,
    });
    child.stderr.on("data", (d: Buffer) => stderr.push(d));
    child.on("error", reject);
    child.on("close", (c) => resolve(c ?? 1));
  });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  const err = Buffer.concat(stderr).toString();
  if (!(options.okCodes ?? [0, 1]).includes(code))
    throw new Error(`${command} ${args.join(" ")} exited ${code}: ${err.slice(-500)}`);
  const rss = /AMIGATE_MAXRSS=(\d+)/.exec(err);
  const cpu = /AMIGATE_CPU=([\d.]+),([\d.]+)/.exec(err);
  const faults = /AMIGATE_FAULTS=(\d+)/.exec(err);
  return {
    wallMs,
    ...(rss ? { peakRssMiB: Number(rss[1]) / 1024 } : {}),
    ...(cpu ? { userMs: Number(cpu[1]) * 1000, sysMs: Number(cpu[2]) * 1000 } : {}),
    ...(faults ? { minorFaults: Number(faults[1]) } : {}),
  };
}

/**
 * Best of n runs (the first run warms the page cache for both sides alike); the CPU times are the
 * best run's, the peak RSS the highest of all runs.
 */
export async function best(n: number, run: () => Promise<Measurement>): Promise<Measurement> {
  const runs: Measurement[] = [];
  for (let i = 0; i < n; i++) runs.push(await run());
  return bestOf(runs);
}

/** The fastest of `runs` (at least one), with the highest peak RSS of them all. */
function bestOf(runs: readonly Measurement[]): Measurement {
  const fastest = runs.reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
  const peak = Math.max(...runs.map((m) => m.peakRssMiB ?? 0));
  return { ...fastest, peakRssMiB: peak || undefined };
}

/**
 * Best of n runs of a baseline and of the scan beside it, run in turn (baseline, scan, baseline,
 * ...): this VM drifts by 10–30 % over a minute, and a baseline measured in one phase against a
 * scan in the next moved a ratio by as much (the same `.tar.zst` scan took 0.94 s in one section of
 * a run and 1.10 s in the next).
 */
export async function bestInTurn(
  n: number,
  baseline: () => Promise<Measurement>,
  scan: () => Promise<Measurement>,
): Promise<{ baseline: Measurement; scan: Measurement }> {
  const baselines: Measurement[] = [];
  const scans: Measurement[] = [];
  for (let i = 0; i < n; i++) {
    baselines.push(await baseline());
    scans.push(await scan());
  }
  return { baseline: bestOf(baselines), scan: bestOf(scans) };
}

/** (user + system) / wall: 1.00 is one core busy for the whole run, 2.00 both cores of the bench VM. */
export function cpuUtilisation(m: Measurement): number | undefined {
  return m.userMs === undefined || m.sysMs === undefined ? undefined : (m.userMs + m.sysMs) / m.wallMs;
}

/** A ratio to two decimals, three under 0.1: 0.024 against a goal of 0.02 must not print as 0.02. */
function ratioText(ratio: number): string {
  return ratio.toFixed(ratio < 0.1 ? 3 : 2);
}

export function row(name: string, m: Measurement, baseline?: Measurement, baselineName?: string): string {
  const ratio = baseline ? `  ${ratioText(m.wallMs / baseline.wallMs)}x ${baselineName}` : "";
  const cpu = cpuUtilisation(m);
  const cpuText = cpu !== undefined ? `  CPU ${cpu.toFixed(2)} cores` : "";
  const sys = m.sysMs !== undefined ? ` (system ${(m.sysMs / 1000).toFixed(2)} s)` : "";
  const faults = m.minorFaults !== undefined ? `  ${(m.minorFaults / 1000).toFixed(1)} k faults` : "";
  const rss = m.peakRssMiB !== undefined ? `  peak RSS ${m.peakRssMiB.toFixed(0)} MiB` : "";
  return `${name.padEnd(52)} ${(m.wallMs / 1000).toFixed(2).padStart(7)} s${ratio}${cpuText}${sys}${faults}${rss}`;
}

/**
 * Runs cleanUp when the bench is stopped by SIGINT/SIGTERM (a timeout), ahead of handlers
 * registered later (test/support/postgres.ts stops its cluster and raises the signal again); with
 * no such handler left, the process ends by the signal. Returns the call that unregisters it.
 */
export function cleanUpOnSignal(cleanUp: () => void): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    cleanUp();
    off();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  const off = () => {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  return off;
}

/**
 * The CLI's scan of `file` four times in one node process (bench/warm-scan.ts): the first round and
 * the best later one. The difference is V8 compiling and tiering up the code on the first scan of
 * a process, which a one-shot CLI pays every time; with node's start it is the gap to debugfs here.
 */
function warmScan(repo: string, file: string): { first: number; best: number } {
  const out = execFileSync(
    process.execPath,
    ["--import", "tsx", path.join(repo, "bench/warm-scan.ts"), file, "4"],
    {
      cwd: repo,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const { times } = JSON.parse(out.trim().split("\n").pop()!) as { times: number[] };
  return { first: times[0]!, best: Math.min(...times.slice(1)) };
}

/** The bench row of warmScan(`file`) against `baseline` (printed under the one-shot scan's row). */
export function warmRow(repo: string, file: string, baseline: Measurement, baselineName: string): string {
  const warm = warmScan(repo, file);
  return row(
    `  the same scan again in one process (V8 warm; first ${Math.round(warm.first)} ms)`,
    { wallMs: warm.best },
    baseline,
    baselineName,
  );
}

/**
 * What one minor page fault costs on this machine, in µs: a child node process touches one byte
 * per page of a fresh 64 MiB buffer, best of three. It sets how much a one-shot scan pays for the
 * memory it touches first (~11 µs a fault on the bench VM, a Firecracker guest; under 1 µs on bare
 * metal), which is much of why a small image's ratios differ between machines.
 */
export function pageFaultMicros(): number {
  const script = `const pages = 16384; let best = Infinity;
for (let r = 0; r < 3; r++) { const b = Buffer.allocUnsafeSlow(pages * 4096); const t = process.hrtime.bigint();
  for (let i = 0; i < pages; i++) b[i * 4096] = 1; best = Math.min(best, Number(process.hrtime.bigint() - t) / pages / 1000); }
process.stdout.write(String(best));`;
  return Number(execFileSync(process.execPath, ["-e", script], { encoding: "utf8" }));
}
