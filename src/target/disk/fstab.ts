import type { Volume } from "../../container/layout.js";

export interface FstabEntry {
  spec: string;
  mountPoint: string;
  type: string;
  options: string;
}

const MAX_ENTRIES = 1000;

/** fstab(5): whitespace-separated fields, "#" comments, "\040" for a space in a field. */
export function parseFstab(text: string): FstabEntry[] {
  const out: FstabEntry[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*/, "").trim();
    if (line === "") continue;
    const [spec, mountPoint, type = "auto", options = "defaults"] = line
      .split(/\s+/)
      .map((f) => f.replace(/\\040/g, " "));
    if (!spec || !mountPoint) continue;
    out.push({ spec, mountPoint, type, options });
    if (out.length >= MAX_ENTRIES) break;
  }
  return out;
}

/** Device-mapper escapes "-" in VG and LV names as "--" in /dev/mapper/VG-LV. */
function mapperName(vg: string, lv: string): string {
  return `${vg.replace(/-/g, "--")}-${lv.replace(/-/g, "--")}`;
}

const unquote = (s: string) => s.replace(/^"(.*)"$/, "$1");

/** The volume an fstab spec names, or undefined. */
export function volumeForSpec(spec: string, volumes: Volume[]): Volume | undefined {
  const eq = /^(UUID|LABEL|PARTUUID|PARTLABEL)=(.+)$/.exec(spec);
  const byId = /^\/dev\/disk\/by-(uuid|label|partuuid|partlabel)\/(.+)$/.exec(spec);
  const kind = (eq?.[1] ?? byId?.[1])?.toUpperCase();
  const value = unquote(eq?.[2] ?? byId?.[2] ?? "");
  switch (kind) {
    case "UUID":
      return volumes.find((v) => v.fs.uuid !== undefined && v.fs.uuid.toLowerCase() === value.toLowerCase());
    case "LABEL":
      return volumes.find((v) => v.fs.label === value);
    case "PARTUUID":
      return volumes.find((v) => v.partition?.partUuid === value.toLowerCase());
    case "PARTLABEL":
      return volumes.find((v) => v.partition?.name === value);
  }
  const mapper = /^\/dev\/mapper\/(.+)$/.exec(spec);
  if (mapper) return volumes.find((v) => v.lv && mapperName(v.lv.vg, v.lv.name) === mapper[1]);
  const vgLv = /^\/dev\/([^/]+)\/([^/]+)$/.exec(spec);
  if (vgLv) {
    const lv = volumes.find((v) => v.lv && v.lv.vg === vgLv[1] && v.lv.name === vgLv[2]);
    if (lv) return lv;
  }
  // Kernel names: /dev/sda2, /dev/vda2, /dev/xvda2, /dev/nvme0n1p2 → partition 2 of the only disk.
  const kernel = /^\/dev\/(?:[shvx]v?d[a-z]|nvme\d+n\d+p|mmcblk\d+p)(\d+)$/.exec(spec);
  if (kernel) return volumes.find((v) => v.partition?.index === Number(kernel[1]));
  return undefined;
}
