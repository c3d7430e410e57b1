/**
 * The load generator, run as its own process by bench/server.ts: CONCURRENCY keep-alive clients for
 * SECONDS, cycling through prepared requests, after sending each once (JIT and caches warm on both
 * sides). Its own process so that the bench's heap (100k seeded images) and its other work do not
 * slow the client down, which on a 2-core machine would also slow the server it shares cores with.
 *
 *   node --import tsx bench/load-generator.ts BASE REQUESTS.json SECONDS CONCURRENCY [SERVER_PID]
 * prints one JSON line: {count, seconds, p50, p99, errors, cpuPerReq, serverCpuPerReq}.
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
): Promise<LoadResult> {
  const u = new URL(base);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const one = (r: Prepared, lat?: number[]) =>
    new Promise<boolean>((resolve) => {
      const t = performance.now();
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
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) if (!(await one(reqs[i++ % reqs.length]!, lat))) errors++;
    }),
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

if (import.meta.url === `file://${process.argv[1]}`) {
  const [base, file, seconds, concurrency, pid] = process.argv.slice(2);
  const reqs = JSON.parse(readFileSync(file!, "utf8")) as Prepared[];
  const result = await generateLoad(
    base!,
    reqs,
    Number(seconds),
    Number(concurrency),
    pid ? Number(pid) : undefined,
  );
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
