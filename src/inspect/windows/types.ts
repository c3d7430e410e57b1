import type { WindowsService } from "./services.js";

/** What the Windows inspector learns from an image; `isWindows` false on every other tree. */
export interface WindowsFacts {
  isWindows: boolean;
  identity: WindowsIdentity;
  architecture?: { machine: "x64" | "arm64" | "x86" | "other"; source: string };
  agents: LaunchAgents;
  users: WindowsUser[];
  /** Members of the Administrators alias (544). */
  administrators: AliasMember[];
  /** Members of the Remote Desktop Users alias (555). */
  remoteDesktopUsers: AliasMember[];
  /** fDenyTSConnections of the current control set; undefined when unset. */
  rdp: { enabled?: boolean; controlSet?: string; source?: string };
  sysprep: { imageState?: string; source?: string; stateIni?: { imageState?: string; path: string } };
  savedPasswords: SavedPassword[];
  /** Non-empty PSReadLine histories. */
  psReadLineHistories: Array<{ path: string; commands: number }>;
  awsCredentialFiles: string[];
  /** Credential Manager blobs (DPAPI-encrypted saved logons) in profiles and the system profile. */
  credentialManagerFiles: string[];
  software: InstalledSoftware[];
  /** Services set to start automatically (SYSTEM hive, current control set). */
  services: WindowsService[];
  /** Things odd but readable about hives (dirty, partial), by hive path. */
  hiveNotes: Array<{ path: string; note: string }>;
}

export interface WindowsIdentity {
  productName?: string;
  editionId?: string;
  currentBuild?: number;
  majorVersion?: number;
  minorVersion?: number;
  /** CurrentVersion ("6.3"; Windows 10 and Server 2016+ keep "6.3" and add the major/minor numbers). */
  currentVersion?: string;
  /** Update build revision (the patch level after the build: 20348.<UBR>). */
  ubr?: number;
  /** DisplayVersion or ReleaseId ("21H2", "1809"). */
  displayVersion?: string;
  /** "Server", "Client", "Server Core"… as stored. */
  installationType?: string;
  isServer?: boolean;
  source?: string;
}

export interface LaunchAgents {
  ec2launchV2?: {
    path: string;
    tasks: string[];
    setAdminAccount?: { passwordType?: string; hasPasswordData: boolean };
  };
  ec2launchV1?: { path: string; adminPasswordType?: string; hasAdminPassword: boolean };
  ec2config?: { path: string; plugins: Record<string, string> };
}

export interface WindowsUser {
  name: string;
  rid: number;
  disabled: boolean;
  source: string;
}

export interface AliasMember {
  sid: string;
  /** The local account name when the SID is a local user's. */
  name?: string;
  /** The alias key whose C value lists the member (hive path + key). */
  source?: string;
}

export type SavedPasswordKind =
  | "unattend-administrator"
  | "unattend-autologon"
  | "unattend-local-account"
  | "winlogon-default-password"
  | "rdp-file";

export interface SavedPassword {
  kind: SavedPasswordKind;
  path: string;
  line?: number;
  /** The password as it would be used (decoded from base64 when PlainText is false). Mask it! */
  secret: string;
  /** Proven by decoding the base64 form (UTF-16LE of password + suffix). */
  decoded: boolean;
  account?: string;
}

export interface InstalledSoftware {
  name: string;
  version?: string;
  publisher?: string;
  /** Which registry view: native or WOW6432Node (32-bit on 64-bit). */
  view: "native" | "wow64";
  /** The Uninstall entry it was read from: hive path + key. */
  source: string;
}
