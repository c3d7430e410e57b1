import { promises as fsp } from "node:fs";
import { DirectoryTree } from "../fs/directory.js";
import { Image } from "../fs/image.js";
import { TargetError } from "../io/errors.js";
import { probes } from "./probes.js";
import type { OpenedTarget, OpenTargetOptions } from "./target.js";

/** Bytes read from the start of a file to tell its format (tar's magic sits at 257). */
const HEAD_BYTES = 64 * 1024;

/**
 * Opens what the user named: a directory as an image root, or a file whose format is told from
 * its bytes (never its name). Throws TargetError with a one-line reason otherwise.
 */
export async function openTarget(input: string, options: OpenTargetOptions = {}): Promise<OpenedTarget> {
  let st: Awaited<ReturnType<typeof fsp.stat>>;
  try {
    st = await fsp.stat(input);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new TargetError(input, code === "ENOENT" ? "no such file or directory" : `cannot open (${code})`);
  }
  if (st.isDirectory()) {
    const tree = new DirectoryTree(input);
    return {
      input,
      kind: "directory",
      description: tree.description,
      roots: [{ root: "/", image: new Image(tree) }],
      notes: [],
      gaps: [],
      close: () => tree.close(),
    };
  }
  if (!st.isFile() && !st.isBlockDevice())
    throw new TargetError(input, "not a directory, archive or disk image");
  const head = await readHead(input);
  if (head.length === 0) throw new TargetError(input, "empty file");
  for (const probe of probes) {
    const opened = await probe.open(input, head, options);
    if (opened) return opened;
  }
  throw new TargetError(
    input,
    "unrecognised format: not a tar archive (plain, gzip, xz, zstd) or a disk image",
  );
}

/** The first bytes of a file, from which its format is told (fewer when the file is shorter). */
export async function readHead(input: string): Promise<Buffer> {
  const head = Buffer.alloc(HEAD_BYTES);
  try {
    const handle = await fsp.open(input, "r");
    try {
      return head.subarray(0, (await handle.read(head, 0, HEAD_BYTES, 0)).bytesRead);
    } finally {
      await handle.close();
    }
  } catch (e) {
    throw new TargetError(input, `cannot read (${(e as NodeJS.ErrnoException).code ?? "EIO"})`);
  }
}
