import type { Image } from "../fs/image.js";
import { FsError } from "../io/errors.js";
import type { DiskBootInfo } from "../target/target.js";
import type { Inspector } from "./context.js";
import { type ElfIdentity, elfIdentity, kernelImageArchitecture } from "./elf.js";
import { type DirReadContext, readOptionalDir } from "./text-files.js";

/** Binaries whose ELF header tells the image's architecture, most telling first. */
export const ARCHITECTURE_PROBES = [
  "/sbin/init",
  "/lib/systemd/systemd",
  "/usr/lib/systemd/systemd",
  "/bin/sh",
  "/bin/bash",
  "/usr/bin/env",
  "/bin/busybox",
];

const MODULE_ROOTS = ["/lib/modules", "/usr/lib/modules"];
/** Drivers an instance on the Nitro system needs to find its root disk and its network. */
const DRIVERS = {
  nvme: ["kernel/drivers/nvme/host/nvme.ko"],
  ena: ["kernel/drivers/net/ethernet/amazon/ena/ena.ko"],
} as const;
const MODULE_SUFFIXES = ["", ".xz", ".zst", ".gz"];

export type DriverState = "module" | "builtin" | "missing";

export interface KernelFacts {
  version: string;
  modulesDir: string;
  image?: string;
  architecture?: string;
  nvme: DriverState;
  ena: DriverState;
}

export interface EncryptionMarker {
  kind: "luks" | "bitlocker" | "crypttab" | "ecryptfs" | "fscrypt";
  where: string;
  /** A crypttab line's volume name and source device ("?" when the line names none). */
  crypttab?: { name: string; device: string };
  line?: number;
}

export interface PlatformFacts {
  /** From the first probe binary that is ELF. */
  architecture?: ElfIdentity & { path: string };
  kernels: KernelFacts[];
  disk?: DiskBootInfo;
  encryption: EncryptionMarker[];
}

async function readHead(image: Image, path: string, bytes: number): Promise<Buffer | undefined> {
  try {
    const st = await image.stat(path);
    if (st.type !== "file") return undefined;
    const stream = await image.createReadStream(path, { start: 0, end: Math.min(bytes, st.size) });
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  } catch (e) {
    if (e instanceof FsError) return undefined;
    throw e;
  }
}

async function driverState(
  image: Image,
  dir: string,
  builtin: string | undefined,
  files: readonly string[],
): Promise<DriverState> {
  for (const f of files) {
    if (builtin?.split("\n").some((l) => l.trim() === f)) return "builtin";
    for (const suffix of MODULE_SUFFIXES) if (await image.exists(`${dir}/${f}${suffix}`)) return "module";
  }
  return "missing";
}

async function kernels(ctx: DirReadContext): Promise<KernelFacts[]> {
  const { image } = ctx;
  const out: KernelFacts[] = [];
  const seen = new Set<string>();
  for (const root of MODULE_ROOTS) {
    const names = (await readOptionalDir(ctx, root)).map((e) => e.name).sort();
    for (const version of names) {
      const dir = `${root}/${version}`;
      if (seen.has(version) || !(await image.exists(`${dir}/kernel`))) continue;
      seen.add(version);
      const builtin = await image
        .readTextIfExists(`${dir}/modules.builtin`, 4 * 1024 * 1024)
        .catch(() => undefined);
      let kernelImage: string | undefined;
      for (const candidate of [`/boot/vmlinuz-${version}`, `/boot/vmlinux-${version}`, `${dir}/vmlinuz`]) {
        if (await image.exists(candidate)) {
          kernelImage = candidate;
          break;
        }
      }
      const head = kernelImage ? await readHead(image, kernelImage, 4096) : undefined;
      const architecture = head ? kernelImageArchitecture(head) : undefined;
      out.push({
        version,
        modulesDir: dir,
        ...(kernelImage ? { image: kernelImage } : {}),
        ...(architecture ? { architecture } : {}),
        nvme: await driverState(image, dir, builtin, DRIVERS.nvme),
        ena: await driverState(image, dir, builtin, DRIVERS.ena),
      });
    }
  }
  return out;
}

async function encryptionMarkers(image: Image, disk: DiskBootInfo | undefined): Promise<EncryptionMarker[]> {
  const markers: EncryptionMarker[] = [];
  for (const v of disk?.encryptedVolumes ?? [])
    markers.push({
      kind: v.type === "bitlocker" ? "bitlocker" : "luks",
      where: v.where,
    });
  const crypttab = await image.readTextIfExists("/etc/crypttab", 1024 * 1024).catch(() => undefined);
  crypttab?.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const [name, device] = line.split(/\s+/);
    markers.push({
      kind: "crypttab",
      where: "/etc/crypttab",
      line: i + 1,
      crypttab: { name: name!, device: device ?? "?" },
    });
  });
  for (const path of ["/home/.ecryptfs", "/root/.ecryptfs"])
    if (await image.exists(path)) markers.push({ kind: "ecryptfs", where: path });
  if (await image.exists("/.fscrypt")) markers.push({ kind: "fscrypt", where: "/.fscrypt" });
  return markers;
}

export const platformInspector: Inspector<"platform"> = {
  name: "platform",
  description: "architecture (ELF), kernels with NVMe/ENA drivers, boot and encryption facts",
  paths: [
    ...ARCHITECTURE_PROBES,
    "/lib/modules/*",
    "/usr/lib/modules/*",
    "/boot/vmlinuz-*",
    "/etc/crypttab",
    "/home/.ecryptfs",
    "/.fscrypt",
  ],
  async inspect(ctx) {
    let architecture: PlatformFacts["architecture"];
    for (const path of ARCHITECTURE_PROBES) {
      const head = await readHead(ctx.image, path, 64);
      const elf = head ? elfIdentity(head) : undefined;
      if (elf) {
        architecture = { ...elf, path };
        break;
      }
    }
    return {
      ...(architecture ? { architecture } : {}),
      kernels: await kernels(ctx),
      ...(ctx.disk ? { disk: ctx.disk } : {}),
      encryption: await encryptionMarkers(ctx.image, ctx.disk),
    };
  },
};
