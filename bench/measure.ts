import { spawn } from "node:child_process";

export interface Measurement {
  wallMs: number;
  /** Peak resident set size of the measured process tree's main process, in MiB (when known). */
  peakRssMiB?: number;
}

/**
 * Runs a command and measures its wall time; peak RSS is taken from GNU time's %M when
 * /usr/bin/time exists (apt-get install time), else left out.
 */
export async function measure(
  command: string,
  args: string[],
  options: { shell?: boolean } = {},
): Promise<Measurement> {
  const { existsSync } = await import("node:fs");
  const useTime = existsSync("/usr/bin/time");
  const argv = useTime ? ["-f", "AMIGATE_MAXRSS=%M", command, ...args] : args;
  const bin = useTime ? "/usr/bin/time" : command;
  const start = process.hrtime.bigint();
  const stderr: Buffer[] = [];
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(bin, argv, { stdio: ["ignore", "ignore", "pipe"], shell: options.shell ?? false });
    child.stderr.on("data", (d: Buffer) => stderr.push(d));
    child.on("error", reject);
    child.on("close", (c) => resolve(c ?? 1));
  });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  const err = Buffer.concat(stderr).toString();
  if (code !== 0 && code !== 1)
    throw new Error(`${command} ${args.join(" ")} exited ${code}: ${err.slice(-500)}`);
  const m = /AMIGATE_MAXRSS=(\d+)/.exec(err);
  return { wallMs, ...(m ? { peakRssMiB: Number(m[1]) / 1024 } : {}) };
}

/** Best of n runs (the first run warms the page cache for both sides alike). */
export async function best(n: number, run: () => Promise<Measurement>): Promise<Measurement> {
  let bestRun: Measurement | undefined;
  for (let i = 0; i < n; i++) {
    const m = await run();
    if (!bestRun || m.wallMs < bestRun.wallMs)
      bestRun = { ...m, peakRssMiB: Math.max(m.peakRssMiB ?? 0, bestRun?.peakRssMiB ?? 0) || undefined };
  }
  return bestRun!;
}

export function row(name: string, m: Measurement, baseline?: Measurement, baselineName?: string): string {
  const ratio = baseline ? `  ${(m.wallMs / baseline.wallMs).toFixed(2)}x ${baselineName}` : "";
  const rss = m.peakRssMiB !== undefined ? `  peak RSS ${m.peakRssMiB.toFixed(0)} MiB` : "";
  return `${name.padEnd(44)} ${(m.wallMs / 1000).toFixed(2).padStart(7)} s${ratio}${rss}`;
}
