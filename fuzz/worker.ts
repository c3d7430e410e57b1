/**
 * One fuzz worker: receives cases from the runner, opens each mutant with its target's reader and
 * reads everything, and posts back how it ended. Runs in a worker_thread with a heap limit; the
 * runner kills it when a case hangs or blows memory.
 */
import path from "node:path";
import { parentPort, workerData } from "node:worker_threads";
import { type Mutant, mutantSource, writeMutant } from "./mutate.js";
import { type FuzzTarget, linkCompanions, type Seed, targets } from "./targets.js";
import { isTypedError } from "./walk.js";

export interface CaseMessage {
  id: number;
  target: string;
  /** A module exporting `targets` to look the target up in, instead of the main table (tests). */
  module?: string;
  seed: Seed;
  mutant: Mutant;
}

export type CaseResult =
  | { id: number; status: "started" }
  | { id: number; status: "ok" | "typed"; detail: string; lost?: number; lostExample?: string }
  | { id: number; status: "failure"; kind: string; message: string; stack: string };

/** Runs one case in this thread (the worker loop, and --replay in the foreground). */
export async function runCase(message: CaseMessage, dir: string, onStart = () => {}): Promise<CaseResult> {
  const { id, seed, mutant } = message;
  const table = message.module
    ? ((await import(message.module)) as { targets: FuzzTarget[] }).targets
    : targets;
  const target = table.find((t) => t.name === message.target);
  if (!target)
    return { id, status: "failure", kind: "setup", message: `no target ${message.target}`, stack: "" };
  const file = path.join(dir, path.basename(seed.path));
  try {
    if (target.asFile) {
      await writeMutant(seed.path, mutant, file);
      await linkCompanions(seed, dir);
    }
    onStart();
    const outcome = await target.run({
      file,
      seed: seed.path,
      source: () => mutantSource(seed.path, mutant, `mutant of ${path.basename(seed.path)}`),
    });
    return typeof outcome === "string"
      ? { id, status: "ok", detail: outcome }
      : { id, status: "ok", ...outcome };
  } catch (e) {
    if (isTypedError(e)) return { id, status: "typed", detail: (e as Error).message };
    const err = e instanceof Error ? e : new Error(String(e));
    return { id, status: "failure", kind: err.name, message: err.message, stack: err.stack ?? "" };
  }
}

if (parentPort) {
  const port = parentPort;
  const dir = (workerData as { dir: string }).dir; // the runner makes and removes it
  port.on("message", async (message: CaseMessage) => {
    const result = await runCase(message, dir, () => port.postMessage({ id: message.id, status: "started" }));
    port.postMessage(result);
  });
}
