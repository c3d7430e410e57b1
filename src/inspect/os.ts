import type { Image } from "../fs/image.js";
import type { InspectContext, Inspector } from "./context.js";
import { parseAssignments, readOptionalText, splitLines } from "./text-files.js";
import { windowsVersion } from "./windows/identity.js";
import type { WindowsIdentity } from "./windows/types.js";

// CONTRACT (the accounts helper implements this file). Field names match OsSummary in policy/result.ts.

export interface OsFacts {
  /** "linux" | "windows" | undefined when nothing identifies the OS. */
  family?: "linux" | "windows";
  /** os-release ID ("debian", "amzn", "ubuntu", "rhel", "alpine"…). */
  id?: string;
  /** Release, e.g. "12", "2023", "22.04". */
  version?: string;
  name?: string;
  prettyName?: string;
  /** ID_LIKE split. */
  like?: string[];
  codename?: string;
  /** The file the identity came from. */
  source?: string;
}

/** os-release(5): /etc/os-release wins, /usr/lib/os-release is the vendor fallback. */
const OS_RELEASE = ["/etc/os-release", "/usr/lib/os-release"];
/** "<Name> release <version> (<codename>)" files, most specific first (redhat-release is often a link to one of them). */
const RELEASE_FILES = [
  "/etc/system-release",
  "/usr/lib/system-release",
  "/etc/centos-release",
  "/etc/rocky-release",
  "/etc/almalinux-release",
  "/etc/oracle-release",
  "/etc/fedora-release",
  "/etc/redhat-release",
];
const WINDOWS_CONFIG = ["/Windows/System32/config", "/WINDOWS/system32/config", "/Windows/system32/config"];

/** Distribution names in *-release files → os-release IDs. */
const RELEASE_NAMES: ReadonlyArray<[RegExp, string]> = [
  [/^amazon linux/i, "amzn"],
  [/^centos stream/i, "centos"],
  [/^centos/i, "centos"],
  [/^rocky/i, "rocky"],
  [/^almalinux/i, "almalinux"],
  [/^oracle linux/i, "ol"],
  [/^fedora/i, "fedora"],
  [/^red hat/i, "rhel"],
];

/** Parses os-release text; undefined when it names no distribution at all. */
export function parseOsRelease(text: string, source: string): OsFacts | undefined {
  const kv = parseAssignments(text);
  const get = (k: string) => {
    const v = kv.get(k)?.value.trim();
    return v ? v : undefined;
  };
  const id = get("ID")?.toLowerCase();
  const name = get("NAME");
  if (!id && !name) return undefined;
  const facts: OsFacts = { family: "linux", source };
  if (id) facts.id = id;
  const version = get("VERSION_ID");
  if (version) facts.version = version;
  if (name) facts.name = name;
  const pretty = get("PRETTY_NAME");
  if (pretty) facts.prettyName = pretty;
  const like = get("ID_LIKE")
    ?.split(/\s+/)
    .filter((s) => s !== "");
  if (like && like.length > 0) facts.like = like;
  const codename = get("VERSION_CODENAME") ?? get("UBUNTU_CODENAME");
  if (codename) facts.codename = codename;
  return facts;
}

/** Parses a one-line "<Name> release <version> (<codename>)" file (Amazon, Red Hat family). */
export function parseReleaseLine(text: string, source: string): OsFacts | undefined {
  const line = splitLines(text)
    .find((l) => l.trim() !== "")
    ?.trim();
  if (!line) return undefined;
  const m = /^(.*?)\s+release\s+(\S+)(?:\s+\((.*)\))?/i.exec(line);
  if (!m) return undefined;
  const id = RELEASE_NAMES.find(([re]) => re.test(m[1]!))?.[1];
  if (!id) return undefined;
  const facts: OsFacts = {
    family: "linux",
    id,
    version: m[2]!,
    name: m[1]!.trim(),
    prettyName: line,
    source,
  };
  if (m[3]) facts.codename = m[3];
  return facts;
}

/** Parses /etc/lsb-release (DISTRIB_ID, DISTRIB_RELEASE, DISTRIB_CODENAME, DISTRIB_DESCRIPTION). */
export function parseLsbRelease(text: string, source: string): OsFacts | undefined {
  const kv = parseAssignments(text);
  const id = kv.get("DISTRIB_ID")?.value.trim();
  if (!id) return undefined;
  const facts: OsFacts = { family: "linux", id: id.toLowerCase(), name: id, source };
  const version = kv.get("DISTRIB_RELEASE")?.value.trim();
  if (version) facts.version = version;
  const codename = kv.get("DISTRIB_CODENAME")?.value.trim();
  if (codename) facts.codename = codename;
  const description = kv.get("DISTRIB_DESCRIPTION")?.value.trim();
  if (description) facts.prettyName = description;
  return facts;
}

/** A file whose first line is just a version (debian_version, alpine-release). */
function versionFile(text: string, id: string, name: string, source: string): OsFacts | undefined {
  const version = splitLines(text)[0]?.trim();
  if (!version || /\s/.test(version)) return undefined;
  return { family: "linux", id, name, version, source };
}

async function windowsRoot(image: Image): Promise<string | undefined> {
  for (const p of WINDOWS_CONFIG) {
    const st = await image.statIfExists(p);
    if (st?.type === "directory") return p;
  }
  return undefined;
}

/** A Windows tree: identity from the SOFTWARE hive's CurrentVersion when the windows fact has it. */
async function windowsOs(ctx: InspectContext, configDir: string): Promise<OsFacts> {
  const facts: OsFacts = { family: "windows", id: "windows", name: "Windows", source: configDir };
  let identity: WindowsIdentity = {};
  try {
    identity = (await ctx.get("windows")).identity;
  } catch (e) {
    ctx.unknown(configDir, e);
  }
  const version = windowsVersion(identity);
  if (version) facts.version = version;
  if (identity.productName) facts.prettyName = identity.productName;
  if (identity.source && (version || identity.productName)) facts.source = identity.source;
  return facts;
}

export async function detectOs(ctx: InspectContext): Promise<OsFacts> {
  for (const path of OS_RELEASE) {
    const text = await readOptionalText(ctx, path);
    if (text === undefined) continue;
    const facts = parseOsRelease(text, path);
    if (!facts) continue;
    // Debian testing/sid has no VERSION_ID; debian_version still says where it is.
    if (facts.id === "debian" && !facts.version) {
      const dv = await readOptionalText(ctx, "/etc/debian_version");
      const v = dv && splitLines(dv)[0]?.trim();
      if (v) facts.version = v;
    }
    return facts;
  }
  for (const path of RELEASE_FILES) {
    const text = await readOptionalText(ctx, path);
    const facts = text === undefined ? undefined : parseReleaseLine(text, path);
    if (facts) return facts;
  }
  const lsb = await readOptionalText(ctx, "/etc/lsb-release");
  const fromLsb = lsb === undefined ? undefined : parseLsbRelease(lsb, "/etc/lsb-release");
  if (fromLsb) return fromLsb;
  const debian = await readOptionalText(ctx, "/etc/debian_version");
  const fromDebian =
    debian === undefined
      ? undefined
      : versionFile(debian, "debian", "Debian GNU/Linux", "/etc/debian_version");
  if (fromDebian) return fromDebian;
  const alpine = await readOptionalText(ctx, "/etc/alpine-release");
  const fromAlpine =
    alpine === undefined ? undefined : versionFile(alpine, "alpine", "Alpine Linux", "/etc/alpine-release");
  if (fromAlpine) return fromAlpine;
  const windows = await windowsRoot(ctx.image);
  if (windows) return windowsOs(ctx, windows);
  // A tree with a passwd file is a Unix root even when no release file names it.
  if (await ctx.image.exists("/etc/passwd")) return { family: "linux", source: "/etc/passwd" };
  return {};
}

export const osInspector: Inspector<"os"> = {
  name: "os",
  description:
    "OS identity from os-release, *-release, lsb-release, debian_version, alpine-release, or a Windows system tree",
  paths: [
    ...OS_RELEASE,
    ...RELEASE_FILES,
    "/etc/lsb-release",
    "/etc/debian_version",
    "/etc/alpine-release",
    ...WINDOWS_CONFIG,
    "/etc/passwd",
  ],
  inspect: detectOs,
};
