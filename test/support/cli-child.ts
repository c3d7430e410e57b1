/** The CLI from source as a child process, asynchronous: for tests whose servers run in this process. */
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";

const MAIN = path.resolve(import.meta.dirname, "../../src/cli/main.ts");

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function startedCli(
  args: string[],
  env: NodeJS.ProcessEnv,
): { child: ChildProcess; done: Promise<CliRun> } {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => {
    stdout += d;
  });
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  return {
    child,
    done: new Promise((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr }))),
  };
}
