import { promises as fsp } from "node:fs";
import { DirectoryTree } from "../fs/directory.js";
import { Image } from "../fs/image.js";
import type { ByteSource } from "../io/bytes.js";
import { TargetError } from "../io/errors.js";
import { diskProbe } from "./disk/probe.js";
import { type DiskSet, describedDisks, outsideDisksNote } from "./disk-set.js";
import { readFileStart } from "./file-start.js";
import { noOsRootGap } from "./os-root.js";
import { openOvfPackage } from "./ovf.js";
import { probes } from "./probes.js";
import { detectCompression } from "./tar/decompress.js";
import { discardEarlyDecompression } from "./tar/early.js";
import { looksLikeTar } from "./tar/probe.js";
import type { OpenedTarget, OpenTargetOptions, TargetGap } from "./target.js";

/** Bytes read from the start of a file to tell its format (tar's magic sits at 257). */
const HEAD_BYTES = 64 * 1024;

/**
 * Opens what the user named: a directory as an image root, or a file whose format is told from
 * its bytes (never its name). Throws TargetError with a one-line reason otherwise.
 */
export async function openTarget(input: string, options: OpenTargetOptions = {}): Promise<OpenedTarget> {
  if (options.source) return openSourceTarget(input, options.source, options);
  let st: Awaited<ReturnType<typeof fsp.stat>>;
  try {
    st = await fsp.stat(input);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new TargetError(input, code === "ENOENT" ? "no such file or directory" : `cannot open (${code})`);
  }
  if (st.isDirectory()) {
    const tree = new DirectoryTree(input);
    const image = new Image(tree);
    const notes: string[] = [];
    const gaps: TargetGap[] = [];
    // A folder that is no root filesystem holds nothing the rules look for: it must not pass for
    // having none of it.
    const noOs = await noOsRootGap(image, "directory");
    if (noOs) {
      // An OVF package (a descriptor and its disks): the disks it names are the image.
      const names = await tree.readdir("/").then(
        (entries) => entries.map((e) => e.name),
        () => [],
      );
      const ovf = await openOvfPackage(input, names, options).catch(async (e: unknown) => {
        await tree.close();
        throw e;
      });
      if (ovf) {
        await tree.close();
        return ovfPackageTarget(input, ovf, names);
      }
      notes.push(noOs.reason);
      gaps.push(noOs);
    }
    return {
      input,
      kind: "directory",
      description: tree.description,
      roots: [{ root: "/", image }],
      notes,
      gaps,
      close: () => tree.close(),
    };
  }
  if (!st.isFile() && !st.isBlockDevice())
    throw new TargetError(input, "not a directory, archive or disk image");
  try {
    const head = await readHead(input);
    if (head.length === 0) throw new TargetError(input, "empty file");
    for (const probe of probes) {
      const opened = await probe.open(input, head, options);
      if (opened) return opened;
    }
  } finally {
    // The tar probe has taken it if it was of this archive: a decompression of anything else stops.
    discardEarlyDecompression();
  }
  throw new TargetError(
    input,
    "unrecognised format: not a tar archive (plain, gzip, xz, zstd) or a disk image",
  );
}

/** A directory that is an OVF package: its disks' roots, and what else it holds noted as not scanned. */
function ovfPackageTarget(
  input: string,
  ovf: DiskSet & { descriptors: string[] },
  names: string[],
): OpenedTarget {
  const members = ovf.disks.map((d) => d.member);
  const notes = [
    members.length === 0
      ? `an OVF package (${ovf.descriptors.join(", ")}): no disk it names could be opened`
      : `an OVF package (${ovf.descriptors.join(", ")}): the ${members.length === 1 ? "disk" : `${members.length} disks`} it names, scanned as the image: ${members.join(", ")}`,
  ];
  const outside = outsideDisksNote(ovf, names);
  if (outside) notes.push(outside);
  const described = describedDisks(ovf);
  return {
    input,
    kind: "directory",
    description: `OVF package ${input}${described ? ` holding ${described}` : ""}`,
    roots: ovf.roots,
    notes: [...notes, ...ovf.notes],
    gaps: ovf.gaps,
    disks: ovf.disks,
    close: () => ovf.close(),
  };
}

/**
 * A disk image whose bytes come from a ByteSource (a remote blob read by range): the same
 * container, partition and filesystem readers as a file, fetching only the blocks they read.
 */
async function openSourceTarget(
  input: string,
  source: ByteSource,
  options: OpenTargetOptions,
): Promise<OpenedTarget> {
  if (source.size === 0) throw new TargetError(input, "empty blob");
  const head = await source.read(0, Math.min(HEAD_BYTES, source.size));
  if (looksLikeArchive(head))
    throw new TargetError(input, "an archive is scanned from a local file, not read by range");
  const opened = await diskProbe.open(input, head, options);
  if (!opened) throw new TargetError(input, "unrecognised format: not a disk image");
  return opened;
}

/** Tar or compressed tar, told from the first bytes (the remote path only opens disks). */
export function looksLikeArchive(head: Buffer): boolean {
  return detectCompression(head) !== "none" || looksLikeTar(head);
}

/** The first bytes of a file, from which its format is told (fewer when the file is shorter). */
export async function readHead(input: string): Promise<Buffer> {
  try {
    return await readFileStart(input, HEAD_BYTES);
  } catch (e) {
    throw new TargetError(input, `cannot read (${(e as NodeJS.ErrnoException).code ?? "EIO"})`);
  }
}
