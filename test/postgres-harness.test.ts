/**
 * The throwaway PostgreSQL cluster (test/support/postgres.ts) never outlives the test process: a
 * process killed with SIGKILL runs no exit handler, so a watcher stops the cluster and removes
 * its dir.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createConnection } from "node:net";
import path from "node:path";
import { test } from "node:test";
import { postgresMissing } from "./support/postgres.js";

const HARNESS = path.resolve(import.meta.dirname, "support/postgres.ts");

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: "127.0.0.1", port });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

test("a test process killed with SIGKILL leaves no cluster running and no temp dir", {
  skip: postgresMissing(),
}, async () => {
  const script = `import { startPostgres } from ${JSON.stringify(HARNESS)};
    const c = await startPostgres();
    process.stdout.write(JSON.stringify({ port: c.port, dir: c.dir }) + "\\n");
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stderr.on("data", (d) => {
    err += d;
  });
  const { port, dir } = await new Promise<{ port: number; dir: string }>((resolve, reject) => {
    child.stdout.on("data", (d) => {
      out += d;
      if (out.includes("\n")) resolve(JSON.parse(out) as { port: number; dir: string });
    });
    child.once("exit", (code) => reject(new Error(`harness exited ${code}: ${err}`)));
  });
  assert.equal(await accepts(port), true, "the cluster is up");
  assert.equal(existsSync(path.join(dir, "data", "postmaster.pid")), true);
  child.kill("SIGKILL");
  // The watcher polls once a second; stopping and removing take a moment more.
  let left = true;
  for (let i = 0; i < 150 && left; i++) {
    await new Promise((r) => setTimeout(r, 200));
    left = (await accepts(port)) || existsSync(dir);
  }
  assert.equal(await accepts(port), false, "the cluster was stopped after its test process died");
  assert.equal(existsSync(dir), false, "and its temp dir removed");
});
