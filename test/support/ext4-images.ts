import { execFileSync } from "node:child_process";
import path from "node:path";
import { openExt4 } from "../../src/fs/ext4/index.js";
import { Image } from "../../src/fs/image.js";
import type { ByteSource } from "../../src/io/bytes.js";
import { openFileByteSource } from "../../src/io/file.js";
import { REPO_ROOT } from "./trees.js";

let folder: string | undefined;

/** The folder of images built by fixtures/ext4-images.sh (built on first use, then cached). */
export function ext4ImagesPath(): string {
  if (folder) return folder;
  const out = execFileSync("bash", [path.join(REPO_ROOT, "fixtures/ext4-images.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  folder = out.trim().split("\n").pop()!;
  return folder;
}

/** Opens an ext image file as an Image; close() also closes the file. */
export async function openExtImage(file: string): Promise<Image & { source: ByteSource }> {
  const source = await openFileByteSource(file);
  let tree: Awaited<ReturnType<typeof openExt4>>;
  try {
    tree = await openExt4(source);
  } catch (e) {
    await source.close();
    throw e;
  }
  const image = new Image(tree) as Image & { source: ByteSource };
  image.source = source;
  const close = image.close.bind(image);
  image.close = async () => {
    await close();
    await source.close();
  };
  return image;
}
