import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { packingId, type UnitPacking } from "../io/packed-unit.js";
import type { HostReadJob } from "./content-host.js";
import { ReadJobList, unpackReadJobs } from "./read-jobs.js";

const vmdk: UnitPacking = { id: packingId(), file: "disk.vmdk", format: "vmdk-grain", unitSize: 65536 };
const qcow2: UnitPacking = { id: packingId(), file: "disk.qcow2", format: "raw-deflate", unitSize: 65536 };

const jobs: HostReadJob[] = [
  { path: "/etc/app.conf", configuration: true, extents: { fd: 21, size: 40, runs: [1_048_576, 40] } },
  // An empty file, a path in two-byte characters and one with a NUL a hostile name could hold.
  { path: "/srv/données/ключ.pem", configuration: false, extents: { fd: 21, size: 0, runs: [] } },
  { path: "/tmp/a\u0000b", configuration: true, extents: { fd: 22, size: 9, runs: [-1, 9] } },
  // Runs past 2^32 and a file in a thousand pieces (too many values to spread on the stack).
  {
    path: "/var/lib/big.db",
    configuration: true,
    extents: {
      fd: 21,
      size: 4096 * 1000,
      runs: Array.from({ length: 1000 }, (_, i) => [2 ** 40 + i * 8192, 4096]).flat(),
    },
  },
  {
    path: "/opt/packed",
    configuration: true,
    extents: {
      fd: 23,
      size: 70_000,
      runs: [-2, 65_536, 5_000, 4_464],
      packed: { packing: vmdk, units: [512, 3000, 0] },
    },
  },
  {
    path: "/opt/other",
    configuration: false,
    extents: { fd: 24, size: 10, runs: [-2, 10], packed: { packing: qcow2, units: [4096, 77, 12] } },
  },
  {
    path: "/opt/packed2",
    configuration: true,
    extents: { fd: 23, size: 10, runs: [-3, 10], packed: { packing: vmdk, units: [1, 2, 3, 4, 5, 6] } },
  },
];

describe("read jobs packed for a content thread", () => {
  it("unpack to the jobs as added, in order, with what was queued counted", () => {
    const list = new ReadJobList();
    for (const job of jobs) list.add(job);
    assert.equal(list.count, jobs.length);
    assert.equal(list.bytes, 40 + 9 + 4096 * 1000 + 70_000 + 20);
    const packed = list.take();
    // Two images' packings, each sent once however many jobs name it.
    assert.deepEqual(packed.packings, [vmdk, qcow2]);
    assert.deepEqual(unpackReadJobs(packed), jobs);
    assert.equal(list.count, 0);
    assert.equal(list.bytes, 0);
    assert.deepEqual(unpackReadJobs(list.take()), []);
  });

  it("survive the trip to a thread: structured clone with the numbers transferred", () => {
    const list = new ReadJobList();
    for (const job of jobs) list.add(job);
    const packed = list.take();
    const copy = structuredClone(packed, { transfer: [packed.numbers.buffer as ArrayBuffer] });
    assert.equal(packed.numbers.length, 0, "transferred, not copied");
    assert.deepEqual(unpackReadJobs(copy), jobs);
  });
});
