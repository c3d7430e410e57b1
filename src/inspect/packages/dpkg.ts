import type { InstalledPackage } from "./types.js";

/** One control stanza as field → value (continuation lines joined with "\n"). */
export type Stanza = Map<string, string>;

/** deb822 control format (Debian Policy 5.1): stanzas separated by blank lines, folded fields. */
export function parseStanzas(text: string): Stanza[] {
  const stanzas: Stanza[] = [];
  let current: Stanza = new Map();
  let last: string | undefined;
  for (const line of text.split("\n")) {
    if (line.trim() === "") {
      if (current.size > 0) stanzas.push(current);
      current = new Map();
      last = undefined;
      continue;
    }
    if (line.startsWith(" ") || line.startsWith("\t")) {
      if (last !== undefined) current.set(last, `${current.get(last)}\n${line.slice(1)}`);
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) continue; // a damaged line: skip it, keep the stanza
    last = line.slice(0, colon).trim().toLowerCase();
    current.set(last, line.slice(colon + 1).trim());
  }
  if (current.size > 0) stanzas.push(current);
  return stanzas;
}

/**
 * Installed packages of a dpkg status file (or one status.d file). A stanza without Status counts
 * as installed (distroless status.d); otherwise its state (third word) must be "installed", which is
 * what `dpkg-query -W` lists with a version.
 */
export function parseDpkgStatus(text: string, source: string, requireStatus = true): InstalledPackage[] {
  const out: InstalledPackage[] = [];
  for (const s of parseStanzas(text)) {
    const name = s.get("package");
    const version = s.get("version");
    if (!name || !version) continue;
    const status = s.get("status");
    if (status !== undefined) {
      if (status.split(/\s+/)[2] !== "installed") continue;
    } else if (requireStatus) continue;
    // "Source: name (version)" when the source version differs from the binary's.
    const m = /^(\S+)(?:\s+\((\S+)\))?/.exec(s.get("source") ?? "");
    out.push({
      name,
      version,
      sourceName: m?.[1] ?? name,
      sourceVersion: m?.[2] ?? version,
      ...(s.get("architecture") ? { arch: s.get("architecture")! } : {}),
      ...(s.get("section") ? { section: s.get("section")! } : {}),
      ecosystem: "dpkg",
      source,
    });
  }
  return out;
}
