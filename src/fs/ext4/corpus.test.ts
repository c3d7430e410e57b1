import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { openExtImage } from "../../../test/support/ext4-images.js";
import { REPO_ROOT, SHARED } from "../../../test/support/trees.js";

// ../shared beside the repo; a helper worktree (/work/wt/NAME) has it two levels up.
const shared = existsSync(SHARED) ? SHARED : path.resolve(REPO_ROOT, "../../shared");
const dir = path.join(shared, "corpus/disk/ext4/go-ext4");
interface Expected {
  images: Record<
    string,
    { entries: Record<string, { type: string; inode?: number; size?: number; sha256?: string }> }
  >;
}
const expected = JSON.parse(readFileSync(path.join(dir, "expected.json"), "utf8")) as Expected;

describe("ext4 reader on the go-ext4 corpus images", () => {
  for (const [name, { entries }] of Object.entries(expected.images)) {
    it(`${name}: walk, inode numbers, sizes and sha256 match expected.json`, async () => {
      const image = await openExtImage(path.join(dir, name));
      try {
        const walked = new Map<string, number | undefined>();
        for await (const e of image.walk("/")) walked.set(e.path.slice(1), e.stat.ino);
        assert.deepEqual([...walked.keys()].sort(), Object.keys(entries).sort());
        for (const [p, want] of Object.entries(entries)) {
          const st = await image.lstat(`/${p}`);
          assert.equal(st.type, want.type === "regular" ? "file" : want.type, p);
          if (want.inode !== undefined) assert.equal(st.ino, want.inode, `${p} inode`);
          if (want.size !== undefined) assert.equal(st.size, want.size, `${p} size`);
          if (want.sha256) {
            const data = await image.readFile(`/${p}`, 10 * 1024 * 1024);
            assert.equal(createHash("sha256").update(data).digest("hex"), want.sha256, `${p} sha256`);
          }
        }
      } finally {
        await image.close();
      }
    });
  }
});
