import type { ByteSource } from "../../io/bytes.js";
import { ExternalReferenceError, ImageFormatError } from "../../io/errors.js";
import { openReferencedFile, type ReferencePolicy } from "./reference.js";
import { concatSources, sliceSource } from "./util.js";
import { isVmdkSparse, openSparseExtent } from "./vmdk-sparse.js";

// VMDK descriptor (VMware "Virtual Disk Format 5.0" §"The Descriptor File"): key="value" lines and
// extent lines `ACCESS SECTORS TYPE "FILE" [OFFSET]`, file names relative to the descriptor.
const EXTENT_LINE =
  /^(RW|RDONLY|NOACCESS)\s+(\d+)\s+(FLAT|SPARSE|ZERO|VMFS|VMFSSPARSE|VMFSRDM|VMFSRAW)(?:\s+"([^"]*)"(?:\s+(\d+))?)?\s*$/;
const MAX_EXTENTS = 4096;
const MAX_DESCRIPTOR = 1024 * 1024;

export function isVmdkDescriptor(head: Buffer): boolean {
  const text = head.subarray(0, 1024).toString("latin1");
  return /^#\s*Disk DescriptorFile/m.test(text) || /^\s*createType\s*=/m.test(text);
}

export interface VmdkInfo {
  createType: string;
  extents: number;
  compressed: boolean;
}

export interface DescriptorExtent {
  access: string;
  sectors: number;
  type: string;
  file?: string;
  offset: number;
}

export function parseDescriptor(
  text: string,
  name: string,
): { values: Map<string, string>; extents: DescriptorExtent[] } {
  const values = new Map<string, string>();
  const extents: DescriptorExtent[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = EXTENT_LINE.exec(line);
    if (m) {
      if (extents.length >= MAX_EXTENTS)
        throw new ImageFormatError(name, "VMDK descriptor", -1, `at most ${MAX_EXTENTS} extents`);
      const ext: DescriptorExtent = {
        access: m[1] as string,
        sectors: Number(m[2]),
        type: m[3] as string,
        offset: Number(m[5] ?? 0),
      };
      if (m[4] !== undefined) ext.file = m[4];
      extents.push(ext);
      continue;
    }
    const kv = /^([\w.]+)\s*=\s*"?([^"]*)"?\s*$/.exec(line);
    if (kv) values.set(kv[1] as string, kv[2] as string);
  }
  return { values, extents };
}

/** Opens a VMDK: a sparse extent file (KDMV) or a text descriptor naming its extents. */
export async function openVmdk(
  input: string,
  file: ByteSource,
  references: ReferencePolicy = "beside",
): Promise<{ source: ByteSource; info: VmdkInfo }> {
  const head = await file.read(0, Math.min(file.size, 512));
  if (isVmdkSparse(head)) {
    const ext = await openSparseExtent(file, input);
    const { values } = parseDescriptor(ext.descriptor, input);
    refuseParent(input, values);
    const createType = values.get("createType") ?? (ext.compressed ? "streamOptimized" : "monolithicSparse");
    return { source: ext.source, info: { createType, extents: 1, compressed: ext.compressed } };
  }
  if (file.size > MAX_DESCRIPTOR)
    throw new ImageFormatError(input, "VMDK descriptor", 0, `a text file under ${MAX_DESCRIPTOR} bytes`);
  const text = (await file.read(0, file.size)).toString("latin1");
  await file.close();
  const { values, extents } = parseDescriptor(text, input);
  refuseParent(input, values);
  if (extents.length === 0)
    throw new ImageFormatError(input, "VMDK descriptor", 0, "at least one extent line");
  const opened: ByteSource[] = [];
  const parts: ByteSource[] = [];
  const closeAll = async () => {
    for (const s of opened) await s.close();
  };
  try {
    for (const [i, ext] of extents.entries()) {
      const size = ext.sectors * 512;
      if (ext.type === "ZERO" || ext.access === "NOACCESS") {
        parts.push(zeroSource(size, `${input} extent ${i + 1} (zero)`));
        continue;
      }
      if (ext.file === undefined)
        throw new ImageFormatError(input, "VMDK extent line", -1, `a file name for extent ${i + 1}`);
      const extFile = openReferencedFile(input, ext.file, `VMDK extent ${i + 1}`, references);
      opened.push(extFile);
      if (ext.type === "SPARSE" || ext.type === "VMFSSPARSE") {
        const sparse = await openSparseExtent(extFile, `${input} extent ${i + 1}`);
        if (sparse.source.size < size)
          throw new ImageFormatError(
            extFile.description,
            "VMDK sparse extent",
            12,
            `capacity of ${ext.sectors} sectors`,
          );
        parts.push(sliceSource(sparse.source, 0, size, `${input} extent ${i + 1}`));
      } else {
        parts.push(sliceSource(extFile, ext.offset * 512, size, `${input} extent ${i + 1}`));
      }
    }
  } catch (e) {
    await closeAll();
    throw e;
  }
  const createType = values.get("createType") ?? "unknown";
  return {
    source: concatSources(parts, input, closeAll),
    info: { createType, extents: extents.length, compressed: false },
  };
}

function refuseParent(input: string, values: Map<string, string>): void {
  const parentCid = values.get("parentCID");
  if (parentCid !== undefined && parentCid.toLowerCase() !== "ffffffff") {
    const parent = values.get("parentFileNameHint") ?? "(unnamed)";
    throw new ExternalReferenceError(
      input,
      `VMDK is a delta disk of parent "${parent}": scan the flattened image (qemu-img convert)`,
    );
  }
}

function zeroSource(size: number, description: string): ByteSource {
  return { description, size, read: async (_o, length) => Buffer.alloc(length), close: async () => {} };
}
