import type { ReferencePolicy } from "../container/disk/reference.js";
import type { TargetGap } from "../container/gap.js";
import type { Image } from "../fs/image.js";
import type { ByteSource } from "../io/bytes.js";

/** One OS root found in a target (a directory and an archive have exactly one, at "/"). */
export interface TargetRoot {
  /** Where it is in the target: "/" or e.g. "partition 2 (ext4)", "LV vg0/root". */
  root: string;
  image: Image;
  /** What the disk around this root says (disk targets only): boot code, ESPs, encrypted volumes. */
  disk?: DiskBootInfo;
}

/** Disk-level facts that no file inside a root can tell (clauses ARC-2 and ARC-6). */
export interface DiskBootInfo {
  partitionTable: "mbr" | "gpt" | "none";
  /** Non-zero boot code in the MBR's first 446 bytes (BIOS boot). */
  mbrBootCode: boolean;
  /** EFI system partitions and the .efi loaders found on them (empty list: none found or unreadable). */
  efiSystemPartitions: Array<{ where: string; loaders: string[]; readable: boolean }>;
  encryptedVolumes: Array<{ where: string; type: string }>;
}

export type { TargetGap } from "../container/gap.js";

/** An opened scan target: what it is, its OS roots, and notes on what was found or skipped. */
export interface OpenedTarget {
  input: string;
  kind: "directory" | "archive" | "disk";
  description: string;
  roots: TargetRoot[];
  /** Things worth telling the user about the target itself (e.g. encrypted partitions found). */
  notes: string[];
  /** What was not read; each fails the scan (rule scan-incomplete). */
  gaps: TargetGap[];
  /**
   * Findings about the target itself rather than a file in one of its roots (a tar entry that
   * extraction writes outside the root). `rule` names a registered rule and `messageId` one of its
   * messages, filled from `data`; the scan reports each with that rule's title, clauses, severity
   * and remediation (policy/target-findings.ts).
   */
  findings?: Array<{
    rule: string;
    messageId: string;
    data?: Record<string, string | number>;
    path?: string;
    evidence?: string;
  }>;
  /**
   * An archive of disk images (an OVA): each disk opened, by its member's path in the archive.
   * Their roots are this target's roots; closed with it.
   */
  disks?: Array<{ member: string; target: OpenedTarget }>;
  close(): Promise<void>;
}

/**
 * A format probe: looks at the first bytes (and the path) and either opens the target or says
 * "not this format" by returning undefined. Probes are tried in a fixed order (open.ts).
 */
export interface TargetProbe {
  name: string;
  open(input: string, head: Buffer, options?: OpenTargetOptions): Promise<OpenedTarget | undefined>;
}

export interface OpenTargetOptions {
  /**
   * Wraps a disk image's virtual disk (the container's guest bytes) before anything reads it:
   * the CLI's progress bar counts the bytes read through it.
   */
  wrapDiskSource?: (source: ByteSource) => ByteSource;
  /** Whether a disk image may open files it names (VMDK extents): see ReferencePolicy. */
  references?: ReferencePolicy;
  /**
   * The image's bytes when they are not a local file (a blob read by range from an object store):
   * `input` then only names it. Only disk images open this way; an archive is read from a file.
   */
  source?: ByteSource;
}
