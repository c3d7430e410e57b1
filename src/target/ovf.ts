import { promises as fsp } from "node:fs";
import path from "node:path";
import { XMLParser } from "fast-xml-parser";
import { openReferencedFile } from "../container/disk/reference.js";
import { describeError, FsError, ImageFormatError, TargetError } from "../io/errors.js";
import { type OpenedDiskTarget, openDiskTarget } from "./disk/probe.js";
import { assembleDisks, type DiskSet } from "./disk-set.js";
import type { OpenTargetOptions, TargetGap } from "./target.js";

/** An OVF descriptor is a few KiB of XML; a larger one is not read (a gap says so). */
export const MAX_OVF_BYTES = 1024 * 1024;
/** Disk files opened at most from one package. */
const MAX_OVF_DISKS = 16;

/**
 * The files an OVF descriptor names as its virtual disks (DSP0243: each Disk of the DiskSection
 * names a File of the References by its id), in the References' order; every File when there is
 * no DiskSection. Their hrefs as written (relative to the descriptor).
 */
export function ovfDiskFiles(xml: string): string[] {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "",
    removeNSPrefix: true,
    processEntities: false,
    parseTagValue: false,
    parseAttributeValue: false,
    isArray: (name) => name === "File" || name === "Disk" || name === "DiskSection",
  });
  const doc = parser.parse(xml) as {
    Envelope?: {
      References?: { File?: Array<{ href?: unknown; id?: unknown }> };
      DiskSection?: Array<{ Disk?: Array<{ fileRef?: unknown }> }>;
    };
  };
  const files = (doc.Envelope?.References?.File ?? []).filter(
    (f): f is { href: string; id?: unknown } => typeof f.href === "string",
  );
  const sections = doc.Envelope?.DiskSection ?? [];
  if (sections.length === 0) return files.map((f) => f.href);
  const refs = new Set(sections.flatMap((s) => (s.Disk ?? []).map((d) => d.fileRef)));
  return files.filter((f) => refs.has(f.id)).map((f) => f.href);
}

/**
 * A directory that is no OS root but an OVF package (a descriptor and its disks, as ovftool,
 * VirtualBox and Packer's virtualbox and vmware builders export one): the disks its .ovf names,
 * opened as the image. Undefined when the top holds no .ovf. A disk file that is missing, leaves
 * the directory or cannot be read is a gap naming it.
 */
export async function openOvfPackage(
  input: string,
  topNames: readonly string[],
  options: OpenTargetOptions,
): Promise<(DiskSet & { descriptors: string[] }) | undefined> {
  const descriptors = topNames.filter((n) => /\.ovf$/i.test(n)).sort();
  if (descriptors.length === 0) return undefined;
  const root = await fsp.realpath(input);
  const gaps: TargetGap[] = [];
  const notes: string[] = [];
  const disks: Array<{ member: string; target: OpenedDiskTarget }> = [];
  const closeAll = async () => {
    for (const d of disks) await d.target.close().catch(() => {});
  };
  try {
    const hrefs: string[] = [];
    const descriptorOf = new Map<string, string>();
    for (const descriptor of descriptors) {
      const file = path.join(root, descriptor);
      const st = await fsp.lstat(file);
      if (!st.isFile() || st.size > MAX_OVF_BYTES) {
        gaps.push({
          where: descriptor,
          reason: `an OVF descriptor that was not read (${st.isFile() ? `over ${MAX_OVF_BYTES} bytes` : "not a regular file"})`,
        });
        continue;
      }
      let named: string[];
      try {
        named = ovfDiskFiles(await fsp.readFile(file, "utf8"));
      } catch (e) {
        gaps.push({ where: descriptor, reason: `an OVF descriptor that is not XML: ${describeError(e)}` });
        continue;
      }
      if (named.length === 0) notes.push(`${descriptor} names no disk file`);
      for (const href of named)
        if (!descriptorOf.has(href)) {
          hrefs.push(href);
          descriptorOf.set(href, file);
        }
    }
    for (const href of hrefs) {
      if (disks.length >= MAX_OVF_DISKS) {
        gaps.push({
          where: href,
          reason: `more than ${MAX_OVF_DISKS} disks; this one and those after it were not opened`,
        });
        break;
      }
      try {
        // Opened as a VMDK opens its extents: plain components inside the folder, no symlink
        // followed, a regular file; a refusal says nothing of the file (the descriptor is hostile).
        const source = openReferencedFile(descriptorOf.get(href)!, href, "OVF disk file", "beside");
        const target = await openDiskTarget(path.join(root, href), { ...options, source });
        if (target) disks.push({ member: href, target });
        else
          gaps.push({ where: href, reason: "a disk the OVF names that is no disk image amigate can open" });
      } catch (e) {
        if (!(e instanceof FsError || e instanceof ImageFormatError || e instanceof TargetError)) throw e;
        gaps.push({
          where: href,
          reason: `a disk the OVF names that could not be read: ${describeError(e)}`,
        });
      }
    }
    if (disks.length === 0 && gaps.length === 0) {
      await closeAll();
      return undefined;
    }
    return { ...assembleDisks(disks, gaps, notes, closeAll), descriptors };
  } catch (e) {
    await closeAll();
    throw e;
  }
}
