/**
 * The fix workflow, one for every target: plan from a scan session's facts → apply (with --yes) →
 * journal → re-scan. A directory is changed in place, an archive is written again to a new file,
 * a disk image is only planned (its dry run shows the same findings `amigate scan` reports).
 */
import { promises as fsp } from "node:fs";
import { Image } from "../fs/image.js";
import { TargetError } from "../io/errors.js";
import type { ScanResult } from "../policy/result.js";
import type { ScanOptions } from "../scan/options.js";
import { ScanSession, type ScanTarget } from "../scan/session.js";
import { openTarget, readHead } from "../target/open.js";
import { isOsRoot } from "../target/os-root.js";
import { decompressHead, detectCompression } from "../target/tar/decompress.js";
import { looksLikeTar } from "../target/tar/probe.js";
import type { OpenedTarget } from "../target/target.js";
import { loadArchive, rewriteArchive, unsafeNotices } from "./apply/archive.js";
import { type ApplyOutcome, DirectoryApplier } from "./apply/directory.js";
import { defaultJournalPath, Journal } from "./journal.js";
import type { FixOperation, FixOptions, Notice, PlannedChange } from "./operation.js";
import { type Plan, planFix } from "./planner.js";

export interface FixRequest {
  /** A directory, a tar archive (plain, gzip, xz, zstd) or a disk image. */
  input: string;
  /** Apply the plan; otherwise a dry run: the plan and the scan of the target as it is. */
  apply: boolean;
  /** Archives: where the cleaned archive goes (an archive is never changed in place). */
  output?: string;
  /** The journal (default ./amigate-fix-<time>.jsonl); written only when applying. */
  journal?: string;
  /** Directories: also change files on other filesystems mounted below the root. */
  crossMounts?: boolean;
  options: FixOptions;
  selected: readonly FixOperation[];
  /** Options of the scan that plans and of the re-scan (scan/options.ts: scanOptions()). */
  scan?: Partial<ScanOptions>;
  /** Told once the plan is applied, before the re-scan (the CLI names the journal). */
  onApplied?: (applied: AppliedInfo) => void;
}

export interface AppliedInfo {
  kind: FixTargetKind;
  journal: string | undefined;
  /** The directory fixed is the running system ("/"): the journal sits on it too. */
  liveSystem: boolean;
}

export type FixTargetKind = OpenedTarget["kind"];

export interface FixRun {
  kind: FixTargetKind;
  plan: Plan;
  /** What applying did, change by change (empty for a dry run). */
  outcomes: ApplyOutcome[];
  applied: boolean;
  /** Applied: the re-scan of the result. Dry run: the scan of the target as it is. */
  rescan: ScanResult;
}

/** A target as the workflow sees it: what the session scans, and how the plan is applied. */
interface FixTarget {
  kind: FixTargetKind;
  scan: ScanTarget;
  /** Notices the target adds to the plan (archives: entries a cleaned archive leaves out). */
  notices: Notice[];
  close(): Promise<void>;
  /** Applies the changes, each recorded in the journal; undefined when this target is never changed. */
  apply?(changes: readonly PlannedChange[], request: FixRequest): Promise<Applied>;
}

interface Applied {
  outcomes: ApplyOutcome[];
  info: AppliedInfo;
  /** The target as the plan left it, for the re-scan. */
  reopen(): Promise<ScanTarget & { close(): Promise<void> }>;
}

/** Plans, applies when asked, journals and re-scans: `amigate fix` after its flags. */
export async function runFix(request: FixRequest): Promise<FixRun> {
  const target = await openFixTarget(request);
  let plan: Plan;
  try {
    const session = new ScanSession(target.scan, request.scan);
    plan = await planRoots(session, request);
    plan.notices.push(...target.notices);
    if (!request.apply) {
      const rescan = await session.result();
      return { kind: target.kind, plan, outcomes: [], applied: false, rescan };
    }
  } finally {
    await target.close();
  }
  if (!target.apply) throw new TargetError(request.input, `a ${target.kind} target is never changed`);
  const applied = await target.apply(plan.changes, request);
  request.onApplied?.(applied.info);
  const after = await applied.reopen();
  try {
    const rescan = await new ScanSession(after, request.scan).result();
    return { kind: target.kind, plan, outcomes: applied.outcomes, applied: true, rescan };
  } finally {
    await after.close();
  }
}

/** The plan of the session's first OS root (a directory and an archive have exactly one). */
async function planRoots(session: ScanSession, request: FixRequest): Promise<Plan> {
  const [first, ...others] = session.roots;
  if (!first) return { operations: [], changes: [], notices: [], os: "unknown" };
  // Planned before the session's rules run: the plan's notices are what planning could not read.
  const plan = await planFix(first.facts, request.options, request.selected);
  for (const other of others)
    plan.notices.push({
      operation: "fix",
      path: other.root,
      message: `another OS root of the disk: not planned (fix plans the first one, ${first.root})`,
    });
  return plan;
}

/** Decompressed bytes enough to hold the first tar header (as the tar probe decompresses). */
const TAR_HEAD_LIMIT = 64 * 1024;

/** Is the file a tar archive (plain or compressed)? Told from its bytes, as `amigate scan` tells it. */
async function isTarArchive(input: string): Promise<boolean> {
  const bytes = await readHead(input);
  const tar = await decompressHead(bytes, detectCompression(bytes), TAR_HEAD_LIMIT);
  return tar !== undefined && looksLikeTar(tar);
}

/**
 * Opens the target for planning: a directory and a disk image as `amigate scan` opens them, an
 * archive as fix reads it (every entry's digest, the files a plan reads). Refuses what --yes
 * cannot do before anything is read: an archive without -o, a disk image.
 */
async function openFixTarget(request: FixRequest): Promise<FixTarget> {
  const { input } = request;
  const st = await fsp.stat(input).catch(() => undefined);
  if (!st) throw new TargetError(input, "no such file or directory");
  if (st.isDirectory()) {
    const opened = await openTarget(input);
    // An OVF package's folder is not the image's root: its disks are planned, never changed.
    if (opened.disks)
      return disksPlannedOnly(opened, "directory", "an OVF package (a folder of disk images)", request);
    return directoryTarget(opened);
  }
  if (st.isFile() && (await isTarArchive(input))) return archiveTarget(request);
  const opened = await openTarget(input);
  if (opened.kind === "archive") {
    await opened.close();
    return archiveTarget(request);
  }
  if (opened.kind === "directory") return directoryTarget(opened);
  if (request.apply) {
    await opened.close();
    throw new TargetError(
      input,
      "a disk image is only planned, never changed: run fix on its root mounted as a directory, or on a tar archive of it (-o)",
    );
  }
  return { kind: opened.kind, scan: opened, notices: [], close: () => opened.close() };
}

/** A directory: changed in place, one safe step at a time (apply/directory.ts). */
function directoryTarget(opened: OpenedTarget): FixTarget {
  const input = opened.input;
  return {
    kind: "directory",
    scan: opened,
    notices: [],
    close: () => opened.close(),
    async apply(changes, request) {
      const journal = new Journal(request.journal ?? defaultJournalPath(new Date()), input);
      let outcomes: ApplyOutcome[];
      try {
        const applier = new DirectoryApplier(input, { crossMounts: request.crossMounts === true, journal });
        try {
          outcomes = applier.applyAll(changes);
        } finally {
          applier.close();
        }
      } finally {
        journal.close();
      }
      return {
        outcomes,
        info: {
          kind: "directory",
          journal: journal.file,
          liveSystem: journal.file !== undefined && (await fsp.realpath(input)) === "/",
        },
        reopen: () => openTarget(input),
      };
    },
  };
}

/**
 * A target whose image is the disks it holds (an OVA, an OVF package's folder): planned as a disk
 * image is, and like one never changed; `--yes` is refused before anything is planned.
 */
async function disksPlannedOnly(
  opened: OpenedTarget,
  kind: "directory" | "archive",
  what: string,
  request: FixRequest,
): Promise<FixTarget> {
  if (request.apply) {
    await opened.close();
    throw new TargetError(
      request.input,
      `${what} is only planned, never changed: fix the VM or its disk before exporting it, or run fix on the disk's root mounted as a directory`,
    );
  }
  return { kind, scan: opened, notices: [], close: () => opened.close() };
}

/** An archive: read once to plan, once to write the cleaned archive (apply/archive.ts). */
async function archiveTarget(request: FixRequest): Promise<FixTarget> {
  const { input, output } = request;
  const { tree, compression } = await loadArchive(input);
  // An OVA (a disk image in a tar) is planned as the disk it holds, and like a disk never changed.
  if (!(await isOsRoot(new Image(tree)))) {
    const opened = await openTarget(input);
    if (opened.disks)
      return disksPlannedOnly(opened, "archive", "an archive of disk images (an OVA)", request);
    await opened.close();
  }
  if (request.apply && !output)
    throw new TargetError(input, "archives are never changed in place: name the cleaned archive with -o");
  return {
    kind: "archive",
    scan: archiveScanTarget(input, tree),
    notices: unsafeNotices(tree),
    close: async () => {},
    async apply(changes, request) {
      const journal = new Journal(request.journal ?? defaultJournalPath(new Date()));
      let outcomes: ApplyOutcome[];
      try {
        outcomes = await rewriteArchive(input, compression, output!, changes, journal);
      } finally {
        journal.close();
      }
      return {
        outcomes,
        info: { kind: "archive", journal: journal.file, liveSystem: false },
        async reopen() {
          const { tree: cleaned } = await loadArchive(output!);
          return { ...archiveScanTarget(output!, cleaned), close: async () => {} };
        },
      };
    },
  };
}

/** The archive's tree as fix read it, scanned as an archive target. */
function archiveScanTarget(input: string, tree: Awaited<ReturnType<typeof loadArchive>>["tree"]): ScanTarget {
  return {
    input,
    kind: "archive",
    description: tree.description,
    roots: [{ root: "/", image: new Image(tree) }],
    notes: [],
    gaps: [],
  };
}
