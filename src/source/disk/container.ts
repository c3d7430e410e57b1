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

/** Which container `head` (the file's first bytes) and `tail` (its last 512) belong to. */
export function detectContainer(head: Buffer, tail: Buffer): ContainerFormat {
  if (isQcow2(head)) return "qcow2";
  if (isVmdkSparse(head) || isVmdkDescriptor(head)) return "vmdk";
  if (isVhdx(head)) return "vhdx";
  if (isVhdFooter(head) || isVhdFooter(tail)) return "vhd";
  return "raw";
}

/** Opens a disk image file, telling its container from its bytes (never its name). */
export async function openDiskImage(
  input: string,
  references: ReferencePolicy = "beside",
): Promise<OpenedDisk> {
  const file = await openFileByteSource(input);
  try {
    const head = await file.read(0, Math.min(file.size, 4096));
    const tail = file.size >= 512 ? await file.read(file.size - 512, 512) : Buffer.alloc(0);
    const format = detectContainer(head, tail);
    switch (format) {
      case "qcow2": {
        const { source, info } = await openQcow2(file);
        return { format, detail: `qcow2 v${info.version}, ${info.clusterSize / 1024} KiB clusters`, source };
      }
      case "vmdk": {
        const { source, info } = await openVmdk(input, file, references);
        return {
          format,
          detail: `vmdk ${info.createType}${info.extents > 1 ? `, ${info.extents} extents` : ""}`,
          source,
        };
      }
      case "vhdx": {
        const { source, info } = await openVhdx(file);
        return {
          format,
          detail: `vhdx, ${info.blockSize / 1048576} MiB blocks, ${info.logicalSectorSize}-byte sectors`,
          source,
        };
      }
      case "vhd": {
        const { source, info } = await openVhd(file);
        return { format, detail: `vhd ${info.type}`, source };
      }
      default:
        return { format, detail: "raw", source: file };
    }
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
