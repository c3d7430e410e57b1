import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { CORPUS_DISK } from "../../container/disk/testing.js";
import { openTarget } from "../../target/open.js";
import { ntfsFixtures, peerListing } from "./testing.js";

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describe("NTFS volumes inside disk images", () => {
  for (const [file, where] of [
    ["mbr.raw", "partition 1"],
    ["gpt.raw", "partition 2"],
    ["windows.vhd", "partition 2"],
    ["windows.vhdx", "partition 2"],
    ["windows.vmdk", "partition 1"],
  ] as const) {
    it(`${file}: the Windows volume is an OS root and its hives read as ntfscat reads them`, async () => {
      const dir = ntfsFixtures();
      const peer = peerListing(dir);
      const t = await openTarget(path.join(dir, file));
      try {
        assert.deepEqual(
          t.roots.map((r) => r.root),
          [`${where} (ntfs)`],
        );
        const image = t.roots[0]!.image;
        for (const p of [
          "/Windows/System32/config/SAM",
          "/ProgramData/Amazon/EC2Launch/config/agent-config.yml",
        ])
          assert.equal(sha(await image.readFile(p)), peer.get(p)!.sha256, p);
        assert.ok(!t.notes.some((n) => /ntfs/.test(n)), t.notes.join("; "));
      } finally {
        await t.close();
      }
    });
  }

  it("the corpus qcow2 and vmdk NTFS partitions hold the private key stated in the corpus", async () => {
    const expected = JSON.parse(readFileSync(path.join(CORPUS_DISK, "expected-gpt-images.json"), "utf8")) as {
      images: Record<string, { private_key_sha256?: string; private_key_size?: number }>;
    };
    const { openDiskImage } = await import("../../container/disk/container.js");
    const { scanOpenedDisk } = await import("../../container/layout.js");
    const { openNtfs } = await import("./index.js");
    for (const file of ["qcow2/valid-ext-exfat-fat32-ntfs.qcow2", "vmdk/valid-ext-exfat-fat32-ntfs.vmdk"]) {
      const layout = await scanOpenedDisk(file, await openDiskImage(path.join(CORPUS_DISK, file)));
      try {
        const v = layout.volumes.find((x) => x.where === "partition 4")!;
        assert.equal(v.fs.type, "ntfs");
        const tree = await openNtfs(v.source);
        const names = (await tree.readdir("/")).map((e) => e.name);
        assert.deepEqual(names, ["private-key4.pem"]);
        const key = await tree.readFile("/PRIVATE-KEY4.PEM", { maxBytes: 1 << 20 });
        assert.equal(key.length, expected.images[file]!.private_key_size);
        assert.equal(sha(key), expected.images[file]!.private_key_sha256);
      } finally {
        await layout.disk.source.close();
      }
    }
  });
});
