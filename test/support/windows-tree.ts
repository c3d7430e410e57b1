import type { OverlayChange } from "../../src/fs/overlay.js";
import { corpusHive } from "./hivex.js";
import { type HiveKeySpec, writeHive } from "./regf-writer.js";

/** A minimal PE header (MZ, e_lfanew = 0x40, "PE\0\0", machine). */
export function peStub(machine: number): Buffer {
  const b = Buffer.alloc(0x100);
  b.write("MZ", 0, "latin1");
  b.writeUInt32LE(0x40, 0x3c);
  b.write("PE\0\0", 0x40, "latin1");
  b.writeUInt16LE(machine, 0x44);
  return b;
}

export interface WindowsTreeOptions {
  /** CurrentVersion values (ProductName, CurrentBuildNumber, InstallationType…). */
  currentVersion?: Record<string, string | number>;
  /** Extra SOFTWARE keys, merged at the top level. */
  software?: Record<string, HiveKeySpec>;
  /** fDenyTSConnections in ControlSet001 (Select\Current = 1); undefined leaves it unset. */
  denyTsConnections?: number;
  /** SAM hive bytes; the corpus's real SAM by default. */
  sam?: Buffer;
  /** ImageState in SOFTWARE Setup\State; null leaves it unset. */
  imageState?: string | null;
  files?: Record<string, OverlayChange | string>;
}

export const SERVER_2019: Record<string, string | number> = {
  ProductName: "Windows Server 2019 Datacenter",
  EditionID: "ServerDatacenter",
  CurrentBuild: "17763",
  CurrentBuildNumber: "17763",
  CurrentMajorVersionNumber: 10,
  CurrentMinorVersionNumber: 0,
  InstallationType: "Server",
};

export const SERVER_2012R2: Record<string, string | number> = {
  ProductName: "Windows Server 2012 R2 Datacenter",
  EditionID: "ServerDatacenter",
  CurrentBuild: "9600",
  CurrentBuildNumber: "9600",
  CurrentVersion: "6.3",
  InstallationType: "Server",
};

export const EC2LAUNCH_V2_RANDOM = `version: 1.0
config:
- stage: boot
  tasks:
  - task: extendRootPartition
- stage: preReady
  tasks:
  - task: activateWindows
    inputs:
      activation:
        type: amazon
  - task: setAdminAccount
    inputs:
      password:
        type: random
- stage: postReady
  tasks:
  - task: startSsm
`;

/**
 * The files of a small Windows volume as memoryImage changes: real-format hives built with the
 * test regf writer (SOFTWARE, SYSTEM) and the corpus's real SAM, a PE stub for ntoskrnl.exe,
 * an EC2Launch v2 config with a random admin password, generalised by sysprep, RDP on.
 */
export function windowsChanges(o: WindowsTreeOptions = {}): Record<string, OverlayChange | string> {
  const software: HiveKeySpec = {
    keys: {
      Microsoft: {
        keys: {
          "Windows NT": {
            keys: {
              CurrentVersion: {
                values: o.currentVersion ?? SERVER_2019,
                keys: { Winlogon: { values: { AutoAdminLogon: "0" } } },
              },
            },
          },
          Windows: {
            keys: {
              CurrentVersion: {
                keys: {
                  Setup: {
                    keys: {
                      State:
                        o.imageState === null
                          ? {}
                          : {
                              values: { ImageState: o.imageState ?? "IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE" },
                            },
                    },
                  },
                },
              },
            },
          },
        },
      },
      ...o.software,
    },
  };
  const terminalServer: HiveKeySpec =
    o.denyTsConnections === undefined ? {} : { values: { fDenyTSConnections: o.denyTsConnections } };
  const system: HiveKeySpec = {
    keys: {
      Select: { values: { Current: 1, Default: 1, LastKnownGood: 1 } },
      ControlSet001: { keys: { Control: { keys: { "Terminal Server": terminalServer } } } },
    },
  };
  return {
    "/Windows/System32/config/SOFTWARE": { type: "file", content: writeHive(software) },
    "/Windows/System32/config/SYSTEM": { type: "file", content: writeHive(system) },
    "/Windows/System32/config/SAM": { type: "file", content: o.sam ?? corpusHive("SAM.xz") },
    "/Windows/System32/ntoskrnl.exe": { type: "file", content: peStub(0x8664) },
    "/ProgramData/Amazon/EC2Launch/config/agent-config.yml": EC2LAUNCH_V2_RANDOM,
    ...o.files,
  };
}

export function merged(
  base: Record<string, OverlayChange | string>,
  changes: Record<string, OverlayChange | string>,
): Record<string, OverlayChange | string> {
  return { ...base, ...changes };
}

export const MACHINE_SID = "S-1-5-21-1111-2222-3333";

function sidBytes(sid: string): Buffer {
  const [, rev, auth, ...subs] = sid.split("-").map(Number);
  const b = Buffer.alloc(8 + subs.length * 4);
  b[0] = rev!;
  b[1] = subs.length;
  b.writeUIntBE(auth!, 2, 6);
  for (const [i, s] of subs.entries()) b.writeUInt32LE(s, 8 + i * 4);
  return b;
}

/**
 * A SAM hive in the layout Windows writes (Users\Names\<name> typed by RID, Users\<RID> F value
 * with ACB flags at 0x38, Builtin\Aliases\<RID> C value with member SIDs after 0x34).
 */
export function samHive(
  users: Array<{ name: string; rid: number; disabled: boolean }>,
  aliases: Record<number, string[]> = {},
): Buffer {
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(8, "0");
  const names: Record<string, HiveKeySpec> = {};
  const byRid: Record<string, HiveKeySpec> = {};
  for (const u of users) {
    names[u.name] = { values: { "": { type: u.rid, data: Buffer.alloc(0) } } };
    const f = Buffer.alloc(0x50);
    f.writeUInt16LE(0x10 | (u.disabled ? 1 : 0), 0x38);
    byRid[hex(u.rid)] = { values: { F: f } };
  }
  const aliasKeys: Record<string, HiveKeySpec> = {};
  for (const [rid, sids] of Object.entries(aliases)) {
    const members = Buffer.concat(sids.map(sidBytes));
    const c = Buffer.alloc(0x34);
    c.writeUInt32LE(Number(rid), 0);
    c.writeUInt32LE(0, 0x28);
    c.writeUInt32LE(members.length, 0x2c);
    c.writeUInt32LE(sids.length, 0x30);
    aliasKeys[hex(Number(rid))] = { values: { C: Buffer.concat([c, members]) } };
  }
  return writeHive({
    keys: {
      SAM: {
        keys: {
          Domains: {
            keys: {
              Account: { keys: { Users: { keys: { ...byRid, Names: { keys: names } } } } },
              Builtin: { keys: { Aliases: { keys: aliasKeys } } },
            },
          },
        },
      },
    },
  });
}
