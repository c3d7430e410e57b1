/**
 * Disk images (issue 3): the Debian rootfs on a GPT disk as raw ext4, raw XFS and a streamOptimized
 * VMDK, each scanned next to `cat image > /dev/null` and (ext4) `debugfs -R "rdump / DIR"`, measured
 * in the same run; and a 20 GiB sparse disk, where only peak RSS matters. Goals: scan ≤ 1.5× cat,
 * ≤ 0.5× debugfs rdump, peak RSS ≤ 256 MiB whatever the image size.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { best, type Measurement, measure, row } from "./measure.js";

export interface BenchContext {
  repo: string;
  runs: number;
  sh(script: string): string;
  scan(target: string): Promise<Measurement>;
}

const cat = (file: string) => measure("bash", ["-c", `cat '${file}' > /dev/null`]);

export async function benchDisks(ctx: BenchContext): Promise<void> {
  console.log("== disk images (issue 3): Debian bookworm rootfs on a GPT disk (ESP + root)");
  let dir: string;
  try {
    dir = ctx.sh(`bash ${ctx.repo}/fixtures/bench-disks.sh`).split("\n").pop()!;
  } catch {
    console.log("(skipped: fixtures/bench-disks.sh failed — scripts/install-deps.sh)");
    return;
  }
  const cases: Array<{ name: string; file: string; reader: string }> = [
    { name: "raw ext4", file: "debian-ext4-gpt.raw", reader: "ext4" },
    { name: "raw XFS", file: "debian-xfs-gpt.raw", reader: "xfs" },
    { name: "streamOptimized VMDK (ext4)", file: "debian-ext4-stream.vmdk", reader: "ext4" },
  ];
  for (const c of cases) {
    const file = path.join(dir, c.file);
    if (!existsSync(file)) {
      console.log(
        `${c.name}: skipped: ${c.file} missing (fixtures/bench-disks.sh needs the ${c.reader} fixtures)`,
      );
      continue;
    }
    const baseline = await best(ctx.runs, () => cat(file));
    const scan = await best(ctx.runs, () => ctx.scan(file));
    console.log(row(`cat ${c.name} > /dev/null (baseline)`, baseline));
    console.log(row(`amigate scan ${c.name}`, scan, baseline, "cat"));
    if (c.file === "debian-ext4-gpt.raw") {
      const fsImage = path.join(dir, "debian-ext4.img");
      // DIR in memory (tmpfs) when there is one: written to a disk-backed folder, rdump's time is
      // the disk's write-back (0.85 to 10 s between runs on the same VM), not debugfs reading ext4.
      const tmpfs = existsSync("/dev/shm") ? "/dev/shm" : os.tmpdir();
      const rdump = await best(ctx.runs, async () => {
        const out = mkdtempSync(path.join(tmpfs, "amigate-rdump-"));
        try {
          return await measure("debugfs", ["-R", `rdump / ${out}`, fsImage]);
        } finally {
          rmSync(out, { recursive: true, force: true });
        }
      });
      console.log(row(`debugfs -R "rdump / DIR" into ${tmpfs} (peer)`, rdump));
      console.log(row(`amigate scan ${c.name}`, scan, rdump, "debugfs rdump"));
    }
  }
  const sparse = path.join(dir, "sparse-20g.raw");
  if (existsSync(sparse)) console.log(row("amigate scan 20 GiB sparse disk", await ctx.scan(sparse)));
}
