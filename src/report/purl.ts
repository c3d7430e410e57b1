import type { OsFacts } from "../inspect/os.js";
import type { InstalledPackage } from "../inspect/packages/types.js";

/**
 * A purl component: every character but the unreserved ones (A-Z a-z 0-9 . - _ ~) percent-encoded,
 * and the colon left as is (purl-spec, "Character encoding": an epoch "1:2.3" stays readable).
 */
function encode(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replaceAll("%3A", ":");
}

/** A package URL in canonical form: qualifiers sorted by key, empty ones left out. */
export function packageUrl(
  type: string,
  namespace: string | undefined,
  name: string,
  version: string | undefined,
  qualifiers: Record<string, string | undefined> = {},
): string {
  const ns = namespace ? `${namespace.split("/").map(encode).join("/")}/` : "";
  const at = version ? `@${encode(version)}` : "";
  const q = Object.entries(qualifiers)
    .filter((e): e is [string, string] => e[1] !== undefined && e[1] !== "")
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k.toLowerCase()}=${encode(v)}`)
    .join("&");
  return `pkg:${type}/${ns}${encode(name)}${at}${q ? `?${q}` : ""}`;
}

/** purl's distro qualifier as SBOM tools write it: "debian-12", "alpine-3.20.3", "amzn-2023". */
function distro(os: OsFacts): string | undefined {
  if (!os.id) return undefined;
  return os.version ? `${os.id}-${os.version}` : os.id;
}

/**
 * The purl of an installed OS package (purl-spec types deb, rpm, apk; the namespace is the OS's
 * os-release ID); undefined where purl has no type for it (Windows Uninstall entries, runtimes).
 * rpm's epoch is a qualifier and its version is version-release; dpkg's version keeps its epoch.
 */
export function purlOf(p: InstalledPackage, os: OsFacts): string | undefined {
  const namespace = os.id;
  switch (p.ecosystem) {
    case "dpkg":
      return packageUrl("deb", namespace ?? "debian", p.name, p.version, {
        arch: p.arch,
        distro: distro(os),
      });
    case "rpm": {
      const m = /^(\d+):(.*)$/.exec(p.version);
      return packageUrl("rpm", namespace, p.name, m ? m[2] : p.version, {
        arch: p.arch,
        epoch: m?.[1],
        distro: distro(os),
      });
    }
    case "apk":
      return packageUrl("apk", namespace ?? "alpine", p.name, p.version, {
        arch: p.arch,
        distro: distro(os),
      });
    default:
      return undefined;
  }
}
