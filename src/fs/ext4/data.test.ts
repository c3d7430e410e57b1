import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { ext4ImagesPath } from "../../../test/support/ext4-images.js";
import { ImageFormatError } from "../../io/errors.js";
import { openFileByteSource } from "../../io/file.js";
import { mapRuns, mapRunsNow } from "./data.js";
import type { Run } from "./extents.js";
import { Ext4Tree, openExt4 } from "./index.js";
import { EXTENTS_FL, type Inode } from "./inode.js";

/** Inode `ino`, or undefined when unused: mode 0 is refused, as for a directory entry's target. */
async function usedInode(tree: Ext4Tree, ino: number): Promise<Inode | undefined> {
  try {
    return await tree.inode(ino, 0);
  } catch (e) {
    if (e instanceof ImageFormatError && /file type in i_mode/.test(e.expected)) return undefined;
    throw e;
  }
}

describe("ext file runs at once", () => {
  it("are the runs read through the tree, for every file whose inode holds its extent tree", async () => {
    const source = await openFileByteSource(path.join(ext4ImagesPath(), "debian-ext4.img"));
    try {
      const tree = await openExt4(source);
      assert.ok(tree instanceof Ext4Tree);
      const sb = tree.vol.sb;
      let now = 0;
      let later = 0;
      for (let ino = 12; ino <= Math.min(sb.inodesCount, 20_000); ino++) {
        const inode = await usedInode(tree, ino);
        if (!inode || inode.links === 0 || (inode.type !== "file" && inode.type !== "directory")) continue;
        for (const from of [0, 3]) {
          const read: Run[] = [];
          for await (const run of mapRuns(tree.vol, inode, from)) read.push(run);
          const atOnce = mapRunsNow(tree.vol, inode, from);
          // At once exactly when the inode holds an extent tree of depth 0.
          const inInode: boolean = (inode.flags & EXTENTS_FL) !== 0 && inode.iBlock.readUInt16LE(6) === 0;
          assert.equal(atOnce !== undefined, inInode, `inode ${ino}`);
          if (atOnce) {
            now++;
            assert.deepEqual(atOnce, read, `inode ${ino} from block ${from}`);
          } else later++;
        }
      }
      assert.ok(now > 5000 && later > 0, `${now} mapped at once, ${later} through extent nodes`);
    } finally {
      await source.close();
    }
  });
});
