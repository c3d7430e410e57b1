import { XMLParser } from "fast-xml-parser";
import { type Advisory, normalizeSeverity } from "./records.js";

/**
 * Amazon Linux advisories from a yum updateinfo.xml (repodata; the format yum's updateinfo
 * plugin reads): <update type="security"><id>ALAS2023-…</id><severity/><references>
 * <reference type="cve" id/></references><pkglist><collection><package name epoch version
 * release arch/></collection></pkglist></update>. Each package gives "fixed in" its EVR.
 */
function releaseOf(id: string): string {
  // ALAS-… is Amazon Linux 1 (2018.03); ALAS2-… AL2; ALAS2022-/ALAS2023-… those releases.
  const m = /^ALAS(\d*)-/.exec(id);
  if (!m) return "";
  return m[1] === "" ? "1" : m[1]!;
}

function list<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

interface XmlPackage {
  "@_name"?: string;
  "@_epoch"?: string;
  "@_version"?: string;
  "@_release"?: string;
}
interface XmlUpdate {
  "@_type"?: string;
  id?: string;
  title?: string;
  severity?: string;
  issued?: { "@_date"?: string };
  updated?: { "@_date"?: string };
  references?: {
    reference?: Array<{ "@_id"?: string; "@_type"?: string }> | { "@_id"?: string; "@_type"?: string };
  };
  pkglist?: {
    collection?: { package?: XmlPackage | XmlPackage[] } | Array<{ package?: XmlPackage | XmlPackage[] }>;
  };
}

function isoDate(v: string | undefined): string | undefined {
  if (!v) return undefined;
  const m = /^(\d{4}-\d{2}-\d{2})[ T]?(\d{2}:\d{2})?/.exec(v);
  return m ? `${m[1]}T${m[2] ?? "00:00"}:00Z` : undefined;
}

export function parseUpdateInfo(xml: string): Advisory[] {
  const parser = new XMLParser({ ignoreAttributes: false, parseTagValue: false, processEntities: true });
  const doc = parser.parse(xml) as { updates?: { update?: XmlUpdate | XmlUpdate[] } };
  const out: Advisory[] = [];
  for (const u of list(doc.updates?.update)) {
    const id = typeof u.id === "string" ? u.id.trim() : undefined;
    if (!id) continue;
    const release = releaseOf(id);
    const fixedBy = new Map<string, string>();
    for (const c of list(u.pkglist?.collection)) {
      for (const p of list(c.package)) {
        const name = p["@_name"];
        if (!name || !p["@_version"]) continue;
        const epoch = p["@_epoch"] && p["@_epoch"] !== "0" ? `${p["@_epoch"]}:` : "";
        fixedBy.set(name, `${epoch}${p["@_version"]}-${p["@_release"] ?? ""}`);
      }
    }
    const modified = isoDate(u.updated?.["@_date"]) ?? isoDate(u.issued?.["@_date"]);
    const published = isoDate(u.issued?.["@_date"]);
    const severity = normalizeSeverity(typeof u.severity === "string" ? u.severity : undefined);
    out.push({
      id,
      ...(modified ? { modified } : {}),
      ...(published ? { published } : {}),
      ...(typeof u.title === "string" ? { summary: u.title } : {}),
      ...(severity ? { severity } : {}),
      aliases: list(u.references?.reference)
        .filter((r) => r["@_type"] === "cve" && r["@_id"])
        .map((r) => r["@_id"]!)
        .sort(),
      affected: [...fixedBy].map(([pkg, fixed]) => ({
        ecosystem: "Amazon Linux",
        release,
        package: pkg,
        ranges: [[{ introduced: "0" }, { fixed }]],
        versions: [],
      })),
    });
  }
  return out;
}
