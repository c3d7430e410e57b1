import { constants, type PerformanceEntry, PerformanceObserver } from "node:perf_hooks";
import v8 from "node:v8";

/** A "gc" performance entry: node puts the collection's kind in `detail` (not in @types/node 20). */
type GcEntry = PerformanceEntry & { detail?: { kind?: number } };

/** How far V8 lets the heap grow over what survived the last full GC before it runs the next one. */
export const SCAN_HEAP_GROWING_PERCENT = 50;
/** What must survive a full GC before the limit is set: a small image's scan never gets there. */
export const LIMIT_FROM_LIVE_BYTES = 24 * 2 ** 20;

let limited = false;

/**
 * Sets V8's flag back to its default if `limitHeapGrowth` set it. V8's code cache carries a hash of
 * the flags it was made under and a run started without this one refuses it (code-cache.ts), so the
 * flag is put back before a cache is made at exit.
 */
export function undoHeapGrowthLimit(): void {
  if (!limited) return;
  v8.setFlagsFromString("--heap-growing-percent=0");
  limited = false;
}

/**
 * Sets V8's heap growing factor to 1.5 for a scan once what survives a full GC reaches
 * `fromLiveBytes`, unless the user set it (node flags or NODE_OPTIONS); true when it will. A large
 * image's live heap is 30–60 MB at 300 k files while the scan allocates gigabytes of short-lived
 * strings, buffers and cache entries; V8's own factor, up to 4× the live size, left most of the heap
 * garbage: peak RSS 260–275 MiB on the 300 k-file disk against 215 MiB at 1.5, no slower. A small
 * image's live heap stays under 20 MB, where the limit only added full GCs while the heap grew
 * (5–6 % of a one-shot scan of the bench disk). V8 reads this flag at every GC, so setting it while
 * running takes effect (docs/performance.md). `onLimit` is told when it is set.
 */
export function limitHeapGrowth(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string = process.env.NODE_OPTIONS ?? "",
  fromLiveBytes: number = LIMIT_FROM_LIVE_BYTES,
  onLimit?: () => void,
): boolean {
  const named = (s: string) => /heap[-_]growing[-_]percent/.test(s);
  if (execArgv.some(named) || named(nodeOptions)) return false;
  const limit = () => {
    v8.setFlagsFromString(`--heap-growing-percent=${SCAN_HEAP_GROWING_PERCENT}`);
    limited = true;
    onLimit?.();
  };
  if (fromLiveBytes <= 0) {
    limit();
    return true;
  }
  // Told after each full GC, when the heap's used size is about what survived it.
  const observer = new PerformanceObserver((list) => {
    const major = list
      .getEntries()
      .some((e) => (e as GcEntry).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR);
    if (!major || v8.getHeapStatistics().used_heap_size < fromLiveBytes) return;
    observer.disconnect();
    limit();
  });
  observer.observe({ entryTypes: ["gc"] });
  return true;
}
