import type { TargetInspection } from "../target/disk/target-summary.js";

/** `amigate inspect`'s text: the container, partitions, volume groups, filesystems and OS roots. */
const mib = (n: number) => `${(n / 1048576).toFixed(n % 1048576 === 0 ? 0 : 1)} MiB`;

export function renderInspection(i: TargetInspection): string {
  const lines = [`${i.input}: ${i.description}`];
  // An archive of disks (an OVA): each disk's layout, indented under its member's name.
  for (const d of i.disks ?? []) {
    lines.push(`disk ${d.member}:`);
    const body = renderInspection({ ...d, roots: [], notes: [] })
      .split("\n")
      .slice(1, -1);
    for (const line of body.filter((l) => !l.startsWith("OS roots:"))) lines.push(`  ${line}`);
  }
  if (i.container)
    lines.push(
      `container: ${i.container.detail}, virtual size ${i.container.virtualSize} bytes (${mib(i.container.virtualSize)})`,
    );
  if (i.partitionTable) {
    const t = i.partitionTable;
    lines.push(
      `partition table: ${t.kind}${t.kind === "none" ? "" : `, ${t.sectorSize}-byte sectors`}${t.diskId ? `, disk id ${t.diskId}` : ""}${t.hybridMbr ? ", hybrid MBR" : ""}; MBR boot code: ${t.mbrBootCode ? "yes" : "no"}`,
    );
  }
  for (const p of i.partitions ?? [])
    lines.push(
      `  ${String(p.index).padStart(2)}  start ${p.start}  size ${mib(p.size)}  ${p.type} (${p.typeName})${p.name ? ` "${p.name}"` : ""}${p.partUuid ? ` PARTUUID=${p.partUuid}` : ""}${p.bootable ? " bootable" : ""}  ${p.filesystem ?? "-"}`,
    );
  for (const vg of i.volumeGroups ?? []) {
    lines.push(
      `volume group ${vg.name}${vg.missingPvs.length ? ` (missing PVs: ${vg.missingPvs.join(", ")})` : ""}`,
    );
    for (const lv of vg.lvs)
      lines.push(`  LV ${lv.name}  ${lv.layout}  ${mib(lv.size)}  ${lv.filesystem ?? lv.problem ?? "-"}`);
  }
  if (i.filesystems?.length) {
    lines.push("filesystems:");
    for (const f of i.filesystems)
      lines.push(
        `  ${f.where}: ${f.type}${f.uuid ? ` UUID=${f.uuid}` : ""}${f.label ? ` LABEL=${f.label}` : ""}`,
      );
  }
  if (i.encrypted?.length)
    lines.push(`encrypted volumes: ${i.encrypted.map((e) => `${e.where} (${e.type})`).join(", ")}`);
  lines.push(`OS roots: ${i.roots.length ? i.roots.join(", ") : "none"}`);
  for (const n of i.notes) lines.push(`note: ${n}`);
  return `${lines.join("\n")}\n`;
}
