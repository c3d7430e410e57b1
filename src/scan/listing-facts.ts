/**
 * The listing facts of a scan (policy/listing/facts.ts): what the image answers of its listing,
 * read from the session's facts — each computed once for the rules already.
 */
import type { FactName, Facts } from "../inspect/facts.js";
import type { ListingFacts, ListingPackage } from "../policy/listing/facts.js";
import type { SessionRoot } from "./session.js";

/** EC2's architecture names for the ELF and PE machine names the inspectors give. */
const EC2_ARCHITECTURE: Record<string, string> = {
  x86_64: "x86_64",
  aarch64: "arm64",
  i386: "i386",
  x64: "x86_64",
  arm64: "arm64",
  x86: "i386",
};

/** Service names that are sshd, however it is started (systemd unit, alias, socket, init script). */
const SSH_SERVICES = new Set(["ssh.service", "sshd.service", "ssh.socket", "sshd.socket", "ssh", "sshd"]);

async function fact<K extends FactName>(root: SessionRoot, name: K): Promise<Facts[K] | undefined> {
  try {
    return await root.facts.get(name);
  } catch {
    // The scan has recorded it as an unknown; the listing leaves the field for the publisher.
    return undefined;
  }
}

function packagesOf(facts: Facts["packages"] | undefined): ListingPackage[] {
  const installed = (facts?.packages ?? []).filter((p) => p.ecosystem !== "runtime");
  const count = new Map<string, number>();
  for (const p of installed) count.set(p.name, (count.get(p.name) ?? 0) + 1);
  // dpkg's multi-arch packages share a name: "libc6:i386" keeps them apart.
  return installed
    .map((p) => ({
      name: (count.get(p.name) ?? 0) > 1 && p.arch ? `${p.name}:${p.arch}` : p.name,
      version: p.version,
      ecosystem: p.ecosystem,
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function portsOf(
  root: SessionRoot,
  services: ListingFacts["services"],
  windows: Facts["windows"] | undefined,
): Promise<ListingFacts["listeningPorts"]> {
  const out: ListingFacts["listeningPorts"] = [];
  const ssh = services.find((s) => SSH_SERVICES.has(s.name));
  const sshd = ssh ? await fact(root, "sshd") : undefined;
  if (ssh && sshd?.installed) {
    // sshd_config(5): Port defaults to 22; every Port line adds a port.
    const set = sshd.all("Port");
    const ports =
      set.length > 0
        ? set.map((s) => ({ value: s.value, source: `${s.path}:${s.line} Port` }))
        : [{ value: "22", source: "sshd's default Port" }];
    for (const { value, source } of ports) {
      const port = Number(value);
      if (!Number.isInteger(port) || port < 1 || port > 65535 || out.some((p) => p.port === port)) continue;
      out.push({ port, protocol: "tcp", service: ssh.name, source });
    }
  }
  // Ports bound to loopback only are not the listing's: nobody outside the instance reaches them.
  const configured = await fact(root, "servicePorts");
  for (const p of configured?.ports ?? [])
    if (!p.loopbackOnly && !out.some((o) => o.port === p.port && o.protocol === p.protocol))
      out.push({ port: p.port, protocol: p.protocol, service: p.service, source: p.source });
  // RDP listens on 3389 unless PortNumber was changed; only its on/off state is read.
  if (windows?.rdp.enabled)
    out.push({
      port: 3389,
      protocol: "tcp",
      service: "TermService",
      source: windows.rdp.source ?? "fDenyTSConnections",
    });
  return out;
}

/** The listing facts of the session's first root with an OS (or its first root). */
export async function listingFactsOf(roots: readonly SessionRoot[]): Promise<ListingFacts | undefined> {
  let chosen: SessionRoot | undefined;
  let os: Facts["os"] | undefined;
  for (const r of roots) {
    const o = await fact(r, "os");
    if (o?.family !== undefined) {
      chosen = r;
      os = o;
      break;
    }
  }
  chosen ??= roots[0];
  if (!chosen) return undefined;
  const [platform, windows, boot, packages] = [
    await fact(chosen, "platform"),
    await fact(chosen, "windows"),
    await fact(chosen, "bootServices"),
    await fact(chosen, "packages"),
  ];
  const machine = windows?.isWindows ? windows.architecture?.machine : platform?.architecture?.architecture;
  const services = boot?.services ?? [];
  const productName = windows?.isWindows ? windows.identity.productName : undefined;
  return {
    root: chosen.root,
    os: {
      ...(os?.name !== undefined || productName !== undefined ? { name: os?.name ?? productName } : {}),
      ...(os?.version !== undefined ? { version: os.version } : {}),
      ...(os?.prettyName !== undefined ? { prettyName: os.prettyName } : {}),
      ...(os?.family !== undefined ? { family: os.family } : {}),
    },
    ...(machine !== undefined && EC2_ARCHITECTURE[machine]
      ? { architecture: EC2_ARCHITECTURE[machine] }
      : {}),
    services: services.map((s) => ({ ...s })),
    listeningPorts: await portsOf(chosen, services, windows),
    packages: packagesOf(packages),
  };
}
