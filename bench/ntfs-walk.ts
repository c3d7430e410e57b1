/**
 * Walks an NTFS volume image and hashes every file (what a full scan reads), printing the file
 * count and bytes. Run under /usr/bin/time for peak RSS; compare with `cat image > /dev/null` and
 * with ntfscat of every file (fixtures/ntfs-images.sh writes the list).
 *   node --import tsx bench/ntfs-walk.ts IMAGE
 */
import { createHash } from "node:crypto";
import { Image } from "../src/fs/image.js";
import { openNtfs } from "../src/fs/ntfs/index.js";
import { openFileByteSource } from "../src/io/file.js";

async function main(): Promise<void> {
  const source = await openFileByteSource(process.argv[2] ?? "");
  const image = new Image(await openNtfs(source));
  let files = 0;
  let bytes = 0;
  for await (const e of image.walk("/")) {
    if (e.stat.type !== "file") continue;
    const h = createHash("sha256");
    for await (const chunk of await image.createReadStream(e.path)) {
      h.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
    h.digest();
    files++;
  }
  console.log(`${files} files, ${bytes} bytes`);
  await source.close();
}
await main();
