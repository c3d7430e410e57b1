import type { InstalledPackage } from "./types.js";

/**
 * Alpine's installed database (/lib/apk/db/installed, apk-tools doc "apk-v2 installed db"): records
 * separated by blank lines, one "X:value" field per line — P name, V version, A arch, o origin
 * (the source aport). A record without P or V is skipped, as apk itself would.
 */
export function parseApkInstalled(text: string, source: string): InstalledPackage[] {
  const out: InstalledPackage[] = [];
  let fields = new Map<string, string>();
  const flush = () => {
    const name = fields.get("P");
    const version = fields.get("V");
    if (name && version) {
      out.push({
        name,
        version,
        sourceName: fields.get("o") || name,
        sourceVersion: version,
        ...(fields.get("A") ? { arch: fields.get("A")! } : {}),
        ecosystem: "apk",
        source,
      });
    }
    fields = new Map();
  };
  for (const line of text.split("\n")) {
    if (line.trim() === "") {
      flush();
      continue;
    }
    if (line.length >= 2 && line[1] === ":" && !fields.has(line[0]!))
      fields.set(line[0]!, line.slice(2).trim());
  }
  flush();
  return out;
}
