import type { OpenedTarget } from "../target.js";
import type { OpenedDiskTarget } from "./probe.js";

/** What `amigate inspect` reports about a target (the --json shape). */
export interface TargetInspection {
  input: string;
  kind: OpenedTarget["kind"];
  description: string;
  container?: { format: string; detail: string; virtualSize: number };
  partitionTable?: {
    kind: string;
    sectorSize: number;
    diskId?: string;
    mbrBootCode: boolean;
    hybridMbr: boolean;
  };
  partitions?: {
    index: number;
    start: number;
    size: number;
    type: string;
    typeName: string;
    name?: string;
    partUuid?: string;
    bootable: boolean;
    filesystem?: string;
  }[];
  volumeGroups?: {
    name: string;
    missingPvs: string[];
    lvs: { name: string; layout: string; size: number; filesystem?: string; problem?: string }[];
  }[];
  filesystems?: { where: string; type: string; uuid?: string; label?: string }[];
  encrypted?: { where: string; type: string }[];
  roots: string[];
  notes: string[];
  /** An archive of disk images (an OVA): each disk's inspection, by its path in the archive. */
  disks?: Array<{ member: string } & TargetInspection>;
}

export function inspectTarget(t: OpenedTarget | OpenedDiskTarget): TargetInspection {
  const out: TargetInspection = {
    input: t.input,
    kind: t.kind,
    description: t.description,
    roots: t.roots.map((r) => r.root),
    notes: t.notes,
  };
  if (t.disks) out.disks = t.disks.map((d) => ({ member: d.member, ...inspectTarget(d.target) }));
  if (!("layout" in t)) return out;
  const { disk, table, volumes, vgs } = t.layout;
  out.container = { format: disk.format, detail: disk.detail, virtualSize: disk.source.size };
  out.partitionTable = {
    kind: table.kind,
    sectorSize: table.sectorSize,
    diskId: table.diskId,
    mbrBootCode: table.mbrBootCode,
    hybridMbr: table.hybridMbr,
  };
  const fsOf = (where: string) => volumes.find((v) => v.where === where)?.fs.type;
  out.partitions = table.partitions.map((p) => ({ ...p, filesystem: fsOf(`partition ${p.index}`) }));
  out.volumeGroups = vgs.map((vg) => ({
    name: vg.name,
    missingPvs: vg.missingPvs,
    lvs: vg.lvs.map((lv) => ({
      name: lv.name,
      layout: lv.layout,
      size: lv.size,
      filesystem: fsOf(`LV ${vg.name}/${lv.name}`),
      problem: lv.problem,
    })),
  }));
  out.filesystems = volumes
    .filter((v) => v.fs.type && !v.fs.encrypted)
    .map((v) => ({ where: v.where, type: v.fs.type as string, uuid: v.fs.uuid, label: v.fs.label }));
  out.encrypted = volumes
    .filter((v) => v.fs.encrypted)
    .map((v) => ({ where: v.where, type: v.fs.type as string }));
  return out;
}
