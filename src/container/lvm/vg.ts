import { type ByteSource, readSourceInto } from "../../io/bytes.js";
import { ImageFormatError } from "../../io/errors.js";
import { concatSources, sliceSource, unitReader } from "../disk/util.js";
import type { PhysicalVolume } from "./pv.js";
import { isSection, type LvmSection, type LvmValue, parseLvmText } from "./text.js";

const MAX_SEGMENTS = 1024;

export interface LogicalVolume {
  vg: string;
  name: string;
  /** "linear", "striped", or the unsupported segment type (then `source` is undefined). */
  layout: string;
  size: number;
  source?: ByteSource;
  /** Why it could not be opened (missing PV, thin pool, ...). */
  problem?: string;
}

export interface VolumeGroup {
  name: string;
  id: string;
  extentSize: number;
  pvCount: number;
  missingPvs: string[];
  lvs: LogicalVolume[];
}

const str = (v: LvmValue | LvmSection | undefined): string | undefined =>
  typeof v === "string" ? v : undefined;
const num = (v: LvmValue | LvmSection | undefined): number | undefined =>
  typeof v === "number" && Number.isSafeInteger(v) && v >= 0 ? v : undefined;

/** Assembles the volume groups described by the PVs' metadata (the highest seqno of each VG wins). */
export function assembleVolumeGroups(pvs: PhysicalVolume[]): VolumeGroup[] {
  const newest = new Map<string, { seqno: number; name: string; vg: LvmSection; file: string }>();
  for (const pv of pvs) {
    const root = parseLvmText(pv.metadata, pv.source.description, 0);
    for (const [name, vg] of Object.entries(root)) {
      if (!isSection(vg)) continue;
      const id = str(vg.id) ?? name;
      const seqno = num(vg.seqno) ?? 0;
      const known = newest.get(id);
      if (!known || seqno > known.seqno) newest.set(id, { seqno, name, vg, file: pv.source.description });
    }
  }
  const byUuid = new Map(pvs.map((pv) => [pv.uuid, pv]));
  return [...newest.entries()].map(([id, { name, vg, file }]) => buildVg(id, name, vg, byUuid, file));
}

function buildVg(
  id: string,
  name: string,
  vg: LvmSection,
  byUuid: Map<string, PhysicalVolume>,
  file: string,
): VolumeGroup {
  const fail = (structure: string, expected: string): never => {
    throw new ImageFormatError(file, `LVM metadata ${structure}`, -1, expected);
  };
  const extentSectors = num(vg.extent_size) ?? fail(`VG ${name}`, "extent_size");
  if (extentSectors < 8 || extentSectors > 2 ** 32) fail(`VG ${name}`, "extent_size of 4 KiB..2 TiB");
  const extentSize = extentSectors * 512;
  const pvSection = isSection(vg.physical_volumes)
    ? vg.physical_volumes
    : fail(`VG ${name}`, "a physical_volumes section");
  const pvs = new Map<string, { pv?: PhysicalVolume; peStart: number; peCount: number; uuid: string }>();
  const missingPvs: string[] = [];
  for (const [key, p] of Object.entries(pvSection)) {
    if (!isSection(p)) continue;
    const uuid = (str(p.id) ?? "").replace(/-/g, "");
    const pv = byUuid.get(uuid);
    if (!pv) missingPvs.push(str(p.id) ?? key);
    pvs.set(key, {
      pv,
      peStart: (num(p.pe_start) ?? fail(`PV ${key}`, "pe_start")) * 512,
      peCount: num(p.pe_count) ?? fail(`PV ${key}`, "pe_count"),
      uuid,
    });
  }
  const lvs: LogicalVolume[] = [];
  const lvSection = isSection(vg.logical_volumes) ? vg.logical_volumes : {};
  for (const [lvName, lv] of Object.entries(lvSection)) {
    if (!isSection(lv)) continue;
    const segments = Object.entries(lv)
      .filter(([k, v]) => /^segment\d+$/.test(k) && isSection(v))
      .map(([, v]) => v as LvmSection)
      .sort((a, b) => (num(a.start_extent) ?? 0) - (num(b.start_extent) ?? 0));
    if (segments.length > MAX_SEGMENTS) fail(`LV ${lvName}`, `at most ${MAX_SEGMENTS} segments`);
    const parts: ByteSource[] = [];
    let problem: string | undefined;
    let layout = "linear";
    let next = 0;
    for (const seg of segments) {
      const type = str(seg.type) ?? "?";
      const start = num(seg.start_extent) ?? fail(`LV ${lvName}`, "start_extent");
      const count = num(seg.extent_count) ?? fail(`LV ${lvName}`, "extent_count");
      if (start !== next) fail(`LV ${lvName} segment`, `start_extent ${next} (segments must be contiguous)`);
      next = start + count;
      if (type !== "striped") {
        layout = type;
        problem = `segment type "${type}" is not supported`;
        break;
      }
      const stripeCount = num(seg.stripe_count) ?? 1;
      const stripes = Array.isArray(seg.stripes) ? seg.stripes : [];
      if (
        stripeCount < 1 ||
        stripeCount > 128 ||
        stripes.length !== stripeCount * 2 ||
        count % stripeCount !== 0
      )
        fail(`LV ${lvName} segment`, "stripe_count pairs of (PV, extent) dividing extent_count");
      const perStripe = count / stripeCount;
      const legs: ByteSource[] = [];
      for (let i = 0; i < stripeCount; i++) {
        const pvKey = String(stripes[i * 2]);
        const pvExtent = typeof stripes[i * 2 + 1] === "number" ? (stripes[i * 2 + 1] as number) : -1;
        const pv = pvs.get(pvKey);
        if (!pv) fail(`LV ${lvName} segment`, `a PV named ${pvKey} in the VG`);
        const known = pv as { pv?: PhysicalVolume; peStart: number; peCount: number };
        if (pvExtent < 0 || pvExtent + perStripe > known.peCount)
          fail(`LV ${lvName} segment`, `extents within PV ${pvKey}'s ${known.peCount}`);
        if (!known.pv) {
          problem = `PV ${pvKey} is missing`;
          break;
        }
        const begin = known.peStart + pvExtent * extentSize;
        if (begin + perStripe * extentSize > known.pv.source.size)
          throw new ImageFormatError(
            known.pv.source.description,
            `LVM segment of LV ${lvName}`,
            begin,
            `${perStripe} extents inside the PV`,
          );
        legs.push(sliceSource(known.pv.source, begin, perStripe * extentSize, `LV ${name}/${lvName}`));
      }
      if (problem) break;
      if (stripeCount === 1) parts.push(legs[0] as ByteSource);
      else {
        layout = "striped";
        const stripeSize = (num(seg.stripe_size) ?? 0) * 512;
        if (stripeSize < 512 || extentSize % stripeSize !== 0)
          fail(`LV ${lvName} segment`, "a stripe_size dividing the extent size");
        parts.push(stripedSource(legs, stripeSize, `LV ${name}/${lvName}`));
      }
    }
    const size = next * extentSize;
    const entry: LogicalVolume = { vg: name, name: lvName, layout, size };
    if (problem) entry.problem = problem;
    else entry.source = concatSources(parts, `LV ${name}/${lvName}`, async () => {});
    lvs.push(entry);
  }
  return { name, id, extentSize, pvCount: pvs.size, missingPvs, lvs };
}

/** Stripes of `stripeSize` bytes dealt round-robin over the legs. */
function stripedSource(legs: ByteSource[], stripeSize: number, description: string): ByteSource {
  const size = legs.reduce((a, l) => a + l.size, 0);
  return unitReader(
    description,
    size,
    stripeSize,
    (unit, within, target) => {
      const leg = legs[unit % legs.length] as ByteSource;
      return readSourceInto(leg, Math.floor(unit / legs.length) * stripeSize + within, target);
    },
    async () => {},
  );
}
