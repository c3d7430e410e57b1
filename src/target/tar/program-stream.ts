import { spawn } from "node:child_process";
import {
  type InflateBound,
  InflateMeter,
  inflateBoundFromEnv,
  programFailure,
  programOnPath,
} from "./decompress.js";

/**
 * The bytes a decompressor program (`bzip2 -dcq`: no library here decodes bzip2) makes of a stream
 * that is not a host file, fed through its stdin. Undefined when the program is not installed.
 * Bounded like decompressStream; corrupt input ends in ImageFormatError with the program's words.
 * A consumer that stops early stops the program and the reading of `input`.
 */
export function programStream(
  program: "bzip2",
  input: AsyncIterable<Buffer>,
  file: string,
  bound: InflateBound = inflateBoundFromEnv(),
): AsyncGenerator<Buffer> | undefined {
  const found = programOnPath(program);
  return found ? run(found, input, file, bound) : undefined;
}

async function* run(
  program: string,
  input: AsyncIterable<Buffer>,
  file: string,
  bound: InflateBound,
): AsyncGenerator<Buffer> {
  const child = spawn(program, ["-dcq"], { stdio: ["pipe", "pipe", "pipe"] });
  const stderr: Buffer[] = [];
  child.stderr.on("data", (d: Buffer) => {
    if (stderr.length < 16) stderr.push(d);
  });
  // A program that stops reading (failed, or stopped here) closes the pipe: not an error here.
  child.stdin.on("error", () => {});
  const exited = new Promise<number>((resolve) => {
    child.on("error", () => resolve(-1));
    child.on("close", (code) => resolve(code ?? -1));
  });
  let stopped = false;
  let fed = 0;
  let inputFailure: { error: unknown } | undefined;
  // Wakes the feeder waiting for the pipe to drain: on drain, and once the program has gone (a
  // pipe closed before the wait began emits nothing more, and the feeder waited forever).
  let wake: (() => void) | undefined;
  const awake = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  child.stdin.on("drain", awake);
  child.stdin.on("close", awake);
  void exited.then(() => {
    stopped = true;
    awake();
  });
  const it = input[Symbol.asyncIterator]();
  const feeding = (async () => {
    try {
      while (!stopped && !child.stdin.destroyed) {
        const r = await it.next();
        if (r.done) break;
        fed += r.value.length;
        if (!child.stdin.write(r.value) && !stopped && !child.stdin.destroyed)
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
      }
      child.stdin.end();
    } catch (error) {
      inputFailure = { error };
      child.kill("SIGKILL");
    } finally {
      if (stopped) await it.return?.();
    }
  })();
  const meter = new InflateMeter(file, bound, () => fed);
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      meter.add(chunk.length);
      yield chunk;
    }
    const code = await exited;
    await feeding;
    if (inputFailure) throw inputFailure.error;
    if (code !== 0) throw programFailure(program, stderr, code, file, "bzip2 stream");
  } finally {
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    child.stdin.destroy();
    awake();
    await feeding;
  }
}
