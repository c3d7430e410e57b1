import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { vfatImagesPath } from "../../../test/support/vfat-images.js";
import { xfsImagesPath } from "../../../test/support/xfs-images.js";
import { openDiskTarget } from "./probe.js";

describe("disk probe with the XFS and vfat readers", () => {
  it("a bare XFS filesystem is an OS root", async () => {
    const t = await openDiskTarget(path.join(xfsImagesPath(), "debian-v5-4k.xfs"));
    assert.ok(t);
    try {
      assert.equal(t.roots.length, 1, t.notes.join("\n"));
      assert.match(t.roots[0]?.root ?? "", /\(xfs\)$/);
      assert.match((await t.roots[0]?.image.readText("/etc/os-release")) ?? "", /ID=debian/);
      assert.ok(!t.notes.some((n) => /pending/.test(n)), t.notes.join("\n"));
    } finally {
      await t.close();
    }
  });
  it("a bare vfat filesystem is read (no OS root, no pending note)", async () => {
    const t = await openDiskTarget(path.join(vfatImagesPath(), "fat16.img"));
    assert.ok(t);
    try {
      assert.equal(t.roots.length, 0);
      assert.ok(!t.notes.some((n) => /pending|could not be read/.test(n)), t.notes.join("\n"));
    } finally {
      await t.close();
    }
  });
});
