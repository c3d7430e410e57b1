/**
 * `node --import tsx bench/warm-scan.ts TARGET ROUNDS`: the CLI's scan of TARGET ROUNDS times in
 * one process, each round's wall time on stdout as JSON. From the second round on, V8 has compiled
 * and tiered up the code and node is started: what is left is the scan's own work. On the Debian
 * bench disk the first scan of a process is about twice the later ones; that, with node's start,
 * is the gap between `amigate scan` and debugfs on small images.
 */
import { runScan } from "../src/cli/scan.js";
import { rules } from "../src/policy/rules/index.js";

const [target, roundsArg] = process.argv.slice(2);
if (!target) throw new Error("usage: warm-scan.ts TARGET [ROUNDS]");
const rounds = Number(roundsArg ?? 4);
const times: number[] = [];
for (let i = 0; i < rounds; i++) {
  const start = performance.now();
  await runScan(
    target,
    { format: "json", failOn: "high", dbMaxAge: "7", quiet: true, progress: false },
    { write: () => {}, isTTY: false, noColor: true, rules },
  );
  times.push(performance.now() - start);
}
process.stdout.write(`${JSON.stringify({ times })}\n`);
// The content threads are stopped; nothing else should keep the process, but a scan must not hang it.
process.exit(0);
