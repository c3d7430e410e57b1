/**
 * What a scan learned that a listing shows: the fields the image itself answers (OS, architecture,
 * services started at boot, listening ports where the configuration says, packages). Part of the
 * scan report (ScanResult.listingFacts), so a listing can be filled and its release notes suggested
 * from a report file or a stored scan, without the image.
 */
import type { ListeningPort } from "./listing.js";

export interface ListingPackage {
  name: string;
  version: string;
  /** dpkg, rpm, apk, windows: which version order compares it. */
  ecosystem: string;
}

export interface ListingService {
  /** "ssh.service" (systemd), "hwclock.sh" (SysV, OpenRC), "W32Time" (Windows). */
  name: string;
  via: "systemd" | "sysv" | "openrc" | "windows";
  /** What makes it start: the enabling link or the service's registry key. */
  source: string;
  displayName?: string;
}

export interface ListingFacts {
  /** The OS root these facts describe (the first root with an OS). */
  root: string;
  os: { name?: string; version?: string; prettyName?: string; family?: "linux" | "windows" };
  /** EC2's name for it: x86_64, arm64, i386. */
  architecture?: string;
  /** What starts at boot: systemd units systemctl calls enabled, SysV/OpenRC services, Windows services. */
  services: ListingService[];
  /** Each with where it was read ("sshd_config Port"). */
  listeningPorts: Array<ListeningPort & { source: string }>;
  /** Installed packages by name (package managers only; runtimes found outside them are left out). */
  packages: ListingPackage[];
}
