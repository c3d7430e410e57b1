/**
 * Files for a content thread to read, packed for one message: every number in one Float64Array
 * (transferred, not copied) and every path in one string. Cloned as objects (V8 writes each
 * object's keys again), a message of ~50 jobs took the main thread a median 33 µs to post, packed
 * 6 µs: on the 300 k-file disk's 5,500 messages, 0.31 → 0.13 s (leaving out the posts a garbage
 * collection landed in).
 */
import type { UnitPacking } from "../io/packed-unit.js";
import type { HostReadJob } from "./content-host.js";

export interface PackedReadJobs {
  count: number;
  /** The jobs' paths, one after the other (each one's length is among its numbers). */
  paths: string;
  /**
   * Per job: path length, configuration (1 or 0), fd, size, the runs' length and the runs, then
   * the packing's index in `packings` (-1: none) and, with one, the units' length and the units.
   */
  numbers: Float64Array;
  /** The UnitPackings the jobs name by index. */
  packings: UnitPacking[];
}

/** Jobs queued for one message. */
export class ReadJobList {
  private numbers: number[] = [];
  private paths: string[] = [];
  private packings: UnitPacking[] = [];
  /** The bytes of the files queued. */
  bytes = 0;

  get count(): number {
    return this.paths.length;
  }

  add(job: HostReadJob): void {
    const { fd, size, runs, packed } = job.extents;
    const numbers = this.numbers;
    numbers.push(job.path.length, job.configuration ? 1 : 0, fd, size, runs.length);
    // One push per value: a spread of a long run list would pass it all on the stack.
    for (const r of runs) numbers.push(r);
    if (packed) {
      let index = this.packings.indexOf(packed.packing);
      if (index === -1) index = this.packings.push(packed.packing) - 1;
      numbers.push(index, packed.units.length);
      for (const u of packed.units) numbers.push(u);
    } else numbers.push(-1);
    this.paths.push(job.path);
    this.bytes += size;
  }

  /** The jobs queued, packed; the list is empty again. */
  take(): PackedReadJobs {
    const packed: PackedReadJobs = {
      count: this.paths.length,
      paths: this.paths.join(""),
      numbers: Float64Array.from(this.numbers),
      packings: this.packings,
    };
    this.numbers = [];
    this.paths = [];
    this.packings = [];
    this.bytes = 0;
    return packed;
  }
}

/** The jobs `take()` packed, as they were added. */
export function unpackReadJobs({ count, paths, numbers, packings }: PackedReadJobs): HostReadJob[] {
  const jobs: HostReadJob[] = [];
  let at = 0;
  let pathAt = 0;
  // A loop, not Array.from of a view: a view and an iterator per field were a content thread's
  // largest cost after scanning (~50 ms of a 30 k-file scan).
  const take = (n: number): number[] => {
    const values = new Array<number>(n);
    for (let i = 0; i < n; i++) values[i] = numbers[at + i]!;
    at += n;
    return values;
  };
  for (let j = 0; j < count; j++) {
    const pathLength = numbers[at]!;
    const configuration = numbers[at + 1]!;
    const fd = numbers[at + 2]!;
    const size = numbers[at + 3]!;
    const runCount = numbers[at + 4]!;
    at += 5;
    const runs = take(runCount);
    const packingIndex = numbers[at++]!;
    const path = paths.slice(pathAt, pathAt + pathLength);
    pathAt += pathLength;
    const job: HostReadJob = { path, configuration: configuration === 1, extents: { fd, size, runs } };
    if (packingIndex >= 0) {
      const unitCount = numbers[at++]!;
      job.extents.packed = { packing: packings[packingIndex]!, units: take(unitCount) };
    }
    jobs.push(job);
  }
  return jobs;
}
