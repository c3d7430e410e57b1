import type { ByteSource } from "../../io/bytes.js";
import { ExternalReferenceError } from "../../io/errors.js";
import { openFileByteSource } from "../../io/file.js";
import { isQcow2, openQcow2 } from "./qcow2.js";
import type { ReferencePolicy } from "./reference.js";
import { isVhdFooter, openVhd } from "./vhd.js";
import { isVhdx, openVhdx } from "./vhdx.js";
import { isVmdkDescriptor, openVmdk } from "./vmdk.js";
import { isVmdkSparse } from "./vmdk-sparse.js";

export type ContainerFormat = "raw" | "qcow2" | "vmdk" | "vhd" | "vhdx";

/** A virtual disk opened from its container: the guest's bytes plus what the container said. */
export interface OpenedDisk {
  format: ContainerFormat;
  /** e.g. "qcow2 v3, 64 KiB clusters", "vmdk streamOptimized", "vhd dynamic". */
  detail: string;
  source: ByteSource;
}

/**
 * A container format: whether a file's first bytes (`head`, up to 4 KiB) and last 512 (`tail`) are
 * its, and how to open it. Tried in this order by the scanner and the fuzzer alike; a file no probe
 * claims is a raw disk.
 */
export interface ContainerProbe {
  format: Exclude<ContainerFormat, "raw">;
  mine(head: Buffer, tail: Buffer): boolean;
  open(
    input: string,
    file: ByteSource,
    references: ReferencePolicy,
  ): Promise<{ source: ByteSource; detail: string }>;
}

export const CONTAINER_PROBES: readonly ContainerProbe[] = [
  {
    format: "qcow2",
    mine: (head) => isQcow2(head),
    async open(_input, file) {
      const { source, info } = await openQcow2(file);
      return { source, detail: `qcow2 v${info.version}, ${info.clusterSize / 1024} KiB clusters` };
    },
  },
  {
    format: "vmdk",
    mine: (head) => isVmdkSparse(head) || isVmdkDescriptor(head),
    async open(input, file, references) {
      const { source, info } = await openVmdk(input, file, references);
      return {
        source,
        detail: `vmdk ${info.createType}${info.extents > 1 ? `, ${info.extents} extents` : ""}`,
      };
    },
  },
  {
    format: "vhdx",
    mine: (head) => isVhdx(head),
    async open(_input, file) {
      const { source, info } = await openVhdx(file);
      return {
        source,
        detail: `vhdx, ${info.blockSize / 1048576} MiB blocks, ${info.logicalSectorSize}-byte sectors`,
      };
    },
  },
  {
    format: "vhd",
    mine: (head, tail) => isVhdFooter(head) || isVhdFooter(tail),
    async open(_input, file) {
      const { source, info } = await openVhd(file);
      return { source, detail: `vhd ${info.type}` };
    },
  },
];

/** Which container `head` (the file's first bytes) and `tail` (its last 512) belong to. */
export function detectContainer(head: Buffer, tail: Buffer): ContainerFormat {
  return CONTAINER_PROBES.find((p) => p.mine(head, tail))?.format ?? "raw";
}

/** Opens the container held in `file` (named `input` in messages and for references beside it). */
export async function openContainer(
  input: string,
  file: ByteSource,
  references: ReferencePolicy = "beside",
): Promise<OpenedDisk> {
  const head = await file.read(0, Math.min(file.size, 4096));
  const tail = file.size >= 512 ? await file.read(file.size - 512, 512) : Buffer.alloc(0);
  const probe = CONTAINER_PROBES.find((p) => p.mine(head, tail));
  if (!probe) return { format: "raw", detail: "raw", source: file };
  return { format: probe.format, ...(await probe.open(input, file, references)) };
}

/** Opens a disk image file, telling its container from its bytes (never its name). */
export async function openDiskImage(
  input: string,
  references: ReferencePolicy = "beside",
  source?: ByteSource,
): Promise<OpenedDisk> {
  const file = source ?? (await openFileByteSource(input));
  try {
    return await openContainer(input, file, references);
  } catch (e) {
    await file.close().catch(() => {});
    throw e;
  }
}

/**
 * Why a file is not a self-contained image (it names another file: a VMDK extent, a qcow2 backing
 * or external data file, a VHD/VHDX parent), or undefined. Only the container's own headers are
 * read; a damaged or unknown file is not judged here (its scan says what is wrong with it).
 */
export async function externalReference(input: string): Promise<string | undefined> {
  try {
    const disk = await openDiskImage(input, "none");
    await disk.source.close();
    return undefined;
  } catch (e) {
    return e instanceof ExternalReferenceError ? e.reason : undefined;
  }
}
