/**
 * The load generator, run as its own process by bench/server.ts: CONCURRENCY keep-alive clients for
 * SECONDS, cycling through prepared requests, after sending each once (JIT and caches warm on both
 * sides). Its own process so that the bench's heap (100k seeded images) and its other work do not
 * slow the client down, which on a 2-core machine would also slow the server it shares cores with.
 *
 *   node --import tsx bench/load-generator.ts BASE REQUESTS.json SECONDS CONCURRENCY [SERVER_PID] [RATE]
 * prints one JSON line: {count, seconds, p50, p99, errors, cpuPerReq, serverCpuPerReq}.
 *
 * Without RATE the clients are a closed loop: each sends its next request when the last is
 * answered, so the server runs flat out and p99 measures queueing at saturation (on a 2-core
 * machine, mostly CPU per request). With RATE (requests per second) the load is an open loop: a
 * request leaves every 1/RATE s whether or not earlier ones were answered (up to CONCURRENCY × 8
 * in flight), and each latency counts from when the request was due, so a server that falls
 * behind pays for the wait too (no coordinated omission).
 */
import { readFileSync } from "node:fs";
import { Agent, request } from "node:http";

export interface Prepared {
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface LoadResult {
  count: number;
  seconds: number;
  /** Milliseconds. */
  p50: number;
  p99: number;
  errors: number;
  /** This process's CPU (user + system) per answered request, µs. */
  cpuPerReq: number;
  /** The server process's CPU per answered request, µs (NaN without its pid or /proc). */
  serverCpuPerReq: number;
}

/** User + system CPU of a process in seconds (Linux /proc), NaN elsewhere. */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return Number.NaN;
  }
}

export async function generateLoad(
  base: string,
  reqs: Prepared[],
  seconds: number,
  concurrency: number,
  serverPid?: number,
  rate?: number,
): Promise<LoadResult> {
  const u = new URL(base);
  // An open loop keeps more requests in flight when the server falls behind.
  const agent = new Agent({
    keepAlive: true,
    maxSockets: rate === undefined ? concurrency : concurrency * 8,
  });
  /** Sends `r`; its latency counts from `due` (default: now). */
  const one = (r: Prepared, lat?: number[], due?: number) =>
    new Promise<boolean>((resolve) => {
      const t = due ?? performance.now();
      const req = request(
        { host: u.hostname, port: u.port, path: r.path, method: "POST", headers: r.headers, agent },
        (res) => {
          res.resume();
          res.on("end", () => {
            lat?.push(performance.now() - t);
            resolve(res.statusCode === 200);
          });
        },
      );
      req.on("error", () => resolve(false));
      req.end(r.body);
    });
  for (const r of reqs) await one(r);
  const lat: number[] = [];
  let errors = 0;
  let i = 0;
  const cpu = process.cpuUsage();
  const serverCpu = cpuSeconds(serverPid);
  const start = performance.now();
  const end = start + seconds * 1000;
  if (rate === undefined)
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < end) if (!(await one(reqs[i++ % reqs.length]!, lat))) errors++;
      }),
    );
  else
    await openLoop(
      rate,
      start,
      end,
      (due) => one(reqs[i++ % reqs.length]!, lat, due),
      () => errors++,
    );
  const elapsed = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  const serverUsed = cpuSeconds(serverPid) - serverCpu;
  agent.destroy();
  lat.sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(lat.length * p))] ?? Number.NaN;
  return {
    count: lat.length,
    seconds: elapsed,
    p50: q(0.5),
    p99: q(0.99),
    errors,
    cpuPerReq: (used.user + used.system) / lat.length,
    serverCpuPerReq: (serverUsed * 1e6) / lat.length,
  };
}

/** Calls `send` at `rate` per second from `start` until `end`, each with the time it was due. */
async function openLoop(
  rate: number,
  start: number,
  end: number,
  send: (due: number) => Promise<boolean>,
  failed: () => void,
): Promise<void> {
  const interval = 1000 / rate;
  const inFlight: Promise<void>[] = [];
  for (let n = 0; ; n++) {
    const due = start + n * interval;
    if (due >= end) break;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(
      send(due).then((ok) => {
        if (!ok) failed();
      }),
    );
  }
  await Promise.all(inFlight);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [base, file, seconds, concurrency, pid, rate] = process.argv.slice(2);
  const reqs = JSON.parse(readFileSync(file!, "utf8")) as Prepared[];
  const result = await generateLoad(
    base!,
    reqs,
    Number(seconds),
    Number(concurrency),
    pid ? Number(pid) : undefined,
    rate ? Number(rate) : undefined,
  );
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
