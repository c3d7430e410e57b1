import type { Image } from "../../fs/image.js";
import { findPath } from "./paths.js";
import type { Hive } from "./regf/index.js";
import type { WindowsFacts, WindowsIdentity } from "./types.js";

export const CURRENT_VERSION = "Microsoft\\Windows NT\\CurrentVersion";

/**
 * "major.minor.build" as Windows reports it (10.0.20348, 6.3.9600): the major/minor numbers where
 * Windows 10-era systems store them, else CurrentVersion; undefined without a build.
 */
export function windowsVersion(id: WindowsIdentity): string | undefined {
  if (id.currentBuild === undefined) return undefined;
  const base =
    id.majorVersion !== undefined
      ? `${id.majorVersion}.${id.minorVersion ?? 0}`
      : id.currentVersion !== undefined && /^\d+\.\d+$/.test(id.currentVersion)
        ? id.currentVersion
        : undefined;
  return base === undefined ? String(id.currentBuild) : `${base}.${id.currentBuild}`;
}

/** Identity from SOFTWARE\Microsoft\Windows NT\CurrentVersion. */
export function readIdentity(software: Hive, path: string): WindowsIdentity {
  const cv = software.key(CURRENT_VERSION);
  if (!cv) return {};
  const str = (n: string) => cv.value(n)?.string();
  const build = str("CurrentBuildNumber") ?? str("CurrentBuild");
  const installationType = str("InstallationType");
  const productName = str("ProductName");
  const parsedBuild = build !== undefined && /^\d+$/.test(build) ? Number(build) : undefined;
  return {
    productName,
    editionId: str("EditionID"),
    currentBuild: parsedBuild,
    majorVersion: cv.value("CurrentMajorVersionNumber")?.number(),
    minorVersion: cv.value("CurrentMinorVersionNumber")?.number(),
    currentVersion: str("CurrentVersion"),
    ubr: cv.value("UBR")?.number(),
    displayVersion: str("DisplayVersion") ?? str("ReleaseId"),
    installationType,
    isServer:
      installationType !== undefined
        ? installationType.toLowerCase().startsWith("server")
        : productName !== undefined
          ? /server/i.test(productName)
          : undefined,
    source: `${path}\\${CURRENT_VERSION}`,
  };
}

const MACHINES: Record<number, "x64" | "arm64" | "x86"> = { 34404: "x64", 43620: "arm64", 332: "x86" };

/** COFF machine field of a PE file: e_lfanew at 0x3c, then "PE\0\0" and the machine word. */
export function peMachine(head: Buffer): number | undefined {
  if (head.length < 0x40 || head.toString("latin1", 0, 2) !== "MZ") return undefined;
  const pe = head.readUInt32LE(0x3c);
  if (pe + 6 > head.length || head.toString("latin1", pe, pe + 4) !== "PE\0\0") return undefined;
  return head.readUInt16LE(pe + 4);
}

async function readHead(image: Image, path: string, bytes: number): Promise<Buffer> {
  const stream = await image.createReadStream(path, { start: 0, end: bytes });
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    chunks.push(chunk as Buffer);
    total += (chunk as Buffer).length;
    if (total >= bytes) break;
  }
  stream.destroy();
  return Buffer.concat(chunks).subarray(0, bytes);
}

/** Architecture from the PE header of ntoskrnl.exe (or cmd.exe). */
export async function readArchitecture(image: Image): Promise<WindowsFacts["architecture"]> {
  for (const candidate of ["/Windows/System32/ntoskrnl.exe", "/Windows/System32/cmd.exe"]) {
    const path = await findPath(image, candidate);
    if (!path) continue;
    const machine = peMachine(await readHead(image, path, 4096));
    if (machine === undefined) continue;
    return { machine: MACHINES[machine] ?? "other", source: path };
  }
  return undefined;
}
