/**
 * NTFS (issue 6): a full scan of the NTFS fixture volume next to `cat image > /dev/null` and to
 * `ntfscat`-ing every file (the C peer from ntfs-3g), measured in the same run; peak RSS.
 */
import { existsSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { BenchContext } from "./disks.js";
import { best, measure, row } from "./measure.js";

export async function benchNtfs(ctx: BenchContext): Promise<void> {
  console.log("== NTFS (issue 6): the Windows-like NTFS fixture volume");
  let dir: string;
  try {
    dir = ctx.sh(`bash ${ctx.repo}/fixtures/ntfs-images.sh`).split("\n").pop()!;
  } catch {
    console.log("(skipped: fixtures/ntfs-images.sh failed — scripts/install-deps.sh)");
    return;
  }
  const image = path.join(dir, "ntfs.raw");
  const expected = path.join(dir, "expected.txt");
  if (!existsSync(image) || !existsSync(expected)) {
    console.log("(skipped: ntfs.raw or expected.txt missing)");
    return;
  }
  // expected.txt: "f SHA256 SIZE /path" per file, written by the fixture script from ntfscat.
  const script = path.join(os.tmpdir(), "amigate-bench-ntfscat.sh");
  writeFileSync(
    script,
    `grep '^f ' '${expected}' | cut -d' ' -f4- | while IFS= read -r p; do ntfscat '${image}' "$p"; done > /dev/null\n`,
  );
  const files = Number(ctx.sh(`grep -c '^f ' '${expected}'`));
  const baseline = await best(ctx.runs, () => measure("bash", ["-c", `cat '${image}' > /dev/null`]));
  const peer = await best(ctx.runs, () => measure("bash", [script]));
  const scan = await best(ctx.runs, () => ctx.scan(image));
  // A scan reads what the inspectors ask for; reading every file is the like-for-like with the peer.
  const walk = await best(ctx.runs, () =>
    measure("node", ["--import", "tsx", path.join(ctx.repo, "bench/ntfs-walk.ts"), image]),
  );
  console.log(row("cat ntfs.raw > /dev/null (baseline)", baseline));
  console.log(row(`ntfscat each of ${files} files (peer)`, peer));
  console.log(row("amigate scan ntfs.raw", scan, baseline, "cat"));
  console.log(row("amigate scan ntfs.raw", scan, peer, "ntfscat each file"));
  console.log(row("walk + sha256 of every file (ntfs-walk.ts)", walk, peer, "ntfscat each file"));
}
