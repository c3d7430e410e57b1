/**
 * The content pass's second thread: it runs the TextScanner over file bytes the main thread has
 * read (the patterns and the latin1 decoding were ~60 % of the pass's CPU), so the main thread
 * goes on reading the image meanwhile. Started by content-workers.ts.
 */
import { parentPort } from "node:worker_threads";
import { lowerThreadPriority } from "../io/thread-priority.js";
import { type HostReadJob, noReadCounts, readBuffers, scanHostFile } from "./content-host.js";
import { emptySink, PiecewiseText, scanWholeText, TextScanner, textScanOptions } from "./content-scan.js";
import type {
  ArchiveJob,
  ContentBatch,
  ContentThreadUnknown,
  FromContentWorker,
  ToContentWorker,
} from "./content-workers.js";
import { unpackReadJobs } from "./read-jobs.js";

const port = parentPort;
if (!port) throw new Error("content-worker.ts runs in a worker thread");

/**
 * Below the main thread (docs/performance.md, "Session 25"): the main thread walks the image and
 * feeds every content thread, so a scan goes at its pace. With the threads at its priority, a
 * thread woken by a message took the waking core from the main thread for milliseconds (at
 * 30 k files, 430 posts cost the main thread 75–109 ms; niced, 11–14 ms).
 */
const NICE = 10;
lowerThreadPriority(NICE);

const sink = emptySink();
const unknowns: ContentThreadUnknown[] = [];

const unknownOf = (path: string, e: unknown): ContentThreadUnknown => {
  const code = (e as { code?: unknown } | undefined)?.code;
  return {
    path,
    error: e instanceof Error ? e.message : String(e),
    ...(typeof code === "string" ? { code } : {}),
  };
};
/** Files read in pieces and not yet ended, by the main thread's number for them. */
const open = new Map<number, PiecewiseText>();
const counts = noReadCounts();
const buffers = readBuffers();

/** Files this thread reads itself from the host file; returns the archives among them, for the main thread. */
function readJobs(jobs: readonly HostReadJob[]): ArchiveJob[] {
  const archives: ArchiveJob[] = [];
  for (const job of jobs) {
    try {
      if (scanHostFile(job, sink, counts, buffers) === "archive")
        archives.push({ path: job.path, size: job.extents.size, configuration: job.configuration });
    } catch (e) {
      unknowns.push(unknownOf(job.path, e));
    }
  }
  return archives;
}

function scanBatch(batch: ContentBatch): void {
  const bytes = Buffer.from(batch.buffer);
  for (const file of batch.files) {
    const data = bytes.subarray(file.start, file.end);
    try {
      if (file.piece === undefined) {
        scanWholeText(file.path, file.configuration, data, sink);
        continue;
      }
      let text = open.get(file.piece);
      if (!text) {
        text = new PiecewiseText(
          new TextScanner(file.path, sink, textScanOptions(file.path, file.configuration)),
        );
        open.set(file.piece, text);
      }
      if (data.length > 0) text.push(data);
      if (file.last) {
        open.delete(file.piece);
        text.end();
      }
    } catch (e) {
      if (file.piece !== undefined) open.delete(file.piece);
      unknowns.push(unknownOf(file.path, e));
    }
  }
}

port.on("message", (message: ToContentWorker) => {
  if (message.type === "batch") {
    scanBatch(message.batch);
    // The buffer goes back for the next batch: a pass reads gigabytes through a few of them.
    const done: FromContentWorker = { type: "done", buffer: message.batch.buffer };
    port.postMessage(done, [message.batch.buffer]);
    return;
  }
  if (message.type === "read") {
    const archives = readJobs(unpackReadJobs(message.jobs));
    port.postMessage({ type: "read", count: message.jobs.count, archives } satisfies FromContentWorker);
    return;
  }
  const result: FromContentWorker = { type: "result", sink, unknowns, counts };
  port.postMessage(result);
});
