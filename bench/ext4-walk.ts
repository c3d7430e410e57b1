/**
 * Walks an ext image with our reader and SHA-256s every regular file; prints what it read.
 *   node --import tsx bench/ext4-walk.ts IMAGE   (or a directory: the same walk through DirectoryTree)
 * Compare under /usr/bin/time -v with `cat IMAGE > /dev/null` and `debugfs -R "rdump / DIR" IMAGE`.
 */
import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import { DirectoryTree } from "../src/fs/directory.js";
import { Image } from "../src/fs/image.js";
import { openExtImage } from "../test/support/ext4-images.js";

const file = process.argv[2];
if (!file) {
  console.error("usage: ext4-walk.ts IMAGE");
  process.exit(2);
}
const started = performance.now();
const image = statSync(file).isDirectory() ? new Image(new DirectoryTree(file)) : await openExtImage(file);
let entries = 0;
let files = 0;
let bytes = 0;
let errors = 0;
for await (const { path, stat } of image.walk("/", { onError: () => errors++ })) {
  entries++;
  if (stat.type !== "file") continue;
  files++;
  const hash = createHash("sha256");
  for await (const chunk of await image.createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  hash.digest();
}
await image.close();
const seconds = (performance.now() - started) / 1000;
console.log(
  `${entries} entries, ${files} files, ${(bytes / 2 ** 20).toFixed(1)} MiB hashed, ${errors} errors, ${seconds.toFixed(2)} s`,
);
