import { type HiveKeySpec, writeHive } from "./regf-writer.js";

/**
 * SOFTWARE hives for the Windows image fixtures (fixtures/windows-images.sh): the corpus has no
 * SOFTWARE hive, so identity, sysprep state, Winlogon and the Uninstall keys are written with the
 * test regf writer, in the layout Windows uses (values as a Windows Server install stores them).
 */
export type SoftwareVariant = "server2022" | "server2019-failing" | "server2012r2";

export const SOFTWARE_VARIANTS: readonly SoftwareVariant[] = [
  "server2022",
  "server2019-failing",
  "server2012r2",
];

/** CurrentVersion of each variant (Windows 10-era servers keep CurrentVersion "6.3" for compatibility). */
export const CURRENT_VERSIONS: Record<SoftwareVariant, Record<string, string | number>> = {
  server2022: {
    ProductName: "Windows Server 2022 Datacenter",
    EditionID: "ServerDatacenter",
    InstallationType: "Server",
    CurrentVersion: "6.3",
    CurrentMajorVersionNumber: 10,
    CurrentMinorVersionNumber: 0,
    CurrentBuild: "20348",
    CurrentBuildNumber: "20348",
    DisplayVersion: "21H2",
    UBR: 2340,
    BuildLabEx: "20348.1.amd64fre.fe_release.210507-1500",
  },
  "server2019-failing": {
    ProductName: "Windows Server 2019 Datacenter",
    EditionID: "ServerDatacenter",
    InstallationType: "Server",
    CurrentVersion: "6.3",
    CurrentMajorVersionNumber: 10,
    CurrentMinorVersionNumber: 0,
    CurrentBuild: "17763",
    CurrentBuildNumber: "17763",
    ReleaseId: "1809",
    UBR: 5329,
  },
  server2012r2: {
    ProductName: "Windows Server 2012 R2 Datacenter",
    EditionID: "ServerDatacenter",
    InstallationType: "Server",
    CurrentVersion: "6.3",
    CurrentBuild: "9600",
    CurrentBuildNumber: "9600",
  },
};

export const IMAGE_STATES: Record<SoftwareVariant, string> = {
  server2022: "IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE",
  "server2019-failing": "IMAGE_STATE_COMPLETE",
  server2012r2: "IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE",
};

/** The automatic-logon password the failing image leaves in Winlogon. */
export const WINLOGON_DEFAULT_PASSWORD = "Aut0L0gon!2019";

export interface UninstallEntry {
  key: string;
  name?: string;
  version?: string;
  publisher?: string;
}

/** Uninstall entries per view; entries without DisplayName are components Windows hides. */
export const UNINSTALL: Record<SoftwareVariant, { native: UninstallEntry[]; wow64: UninstallEntry[] }> = {
  server2022: {
    native: [
      { key: "AddressBook" },
      {
        key: "{B1A3B5F6-3E7C-4F0B-9E5B-2B7E7C1D0A11}",
        name: "Amazon SSM Agent",
        version: "3.3.40.0",
        publisher: "Amazon Web Services",
      },
      {
        key: "{7B8C5D2E-8C0A-4C9B-A7C4-1F3E5D6A7B22}",
        name: "Amazon EC2Launch",
        version: "2.0.1643.0",
        publisher: "Amazon Web Services",
      },
      { key: "AWS PV Drivers", name: "AWS PV Drivers", version: "8.4.3", publisher: "Amazon Web Services" },
    ],
    wow64: [
      { key: "WIC" },
      {
        key: "{0C2D3E4F-5A6B-4C7D-8E9F-A0B1C2D3E433}",
        name: "AWS Tools for Windows",
        version: "3.15.2072",
        publisher: "Amazon Web Services Developer Relations",
      },
      {
        key: "{E1902FC6-C423-4719-AB8A-AC7B2694B367}",
        name: "Microsoft Visual C++ 2015-2022 Redistributable (x86) - 14.36.32532",
        version: "14.36.32532.0",
        publisher: "Microsoft Corporation",
      },
    ],
  },
  "server2019-failing": {
    native: [
      { key: "EC2LaunchV1", name: "EC2Launch", version: "1.3.2004256", publisher: "Amazon Web Services" },
      { key: "7-Zip", name: "7-Zip 19.00 (x64)", version: "19.00", publisher: "Igor Pavlov" },
    ],
    wow64: [],
  },
  server2012r2: {
    native: [
      {
        key: "{A9D4C5E8-1B2C-4D3E-9F40-EC2C0F1A0001}",
        name: "EC2ConfigService",
        version: "4.9.4556",
        publisher: "Amazon Web Services",
      },
    ],
    wow64: [],
  },
};

function uninstallKeys(entries: UninstallEntry[]): Record<string, HiveKeySpec> {
  const keys: Record<string, HiveKeySpec> = {};
  for (const e of entries) {
    const values: Record<string, string | number> = {};
    if (e.name) values.DisplayName = e.name;
    if (e.version) values.DisplayVersion = e.version;
    if (e.publisher) values.Publisher = e.publisher;
    if (e.name) values.NoModify = 1;
    keys[e.key] = { values };
  }
  return keys;
}

function windowsCurrentVersion(variant: SoftwareVariant, uninstall: UninstallEntry[]): HiveKeySpec {
  return {
    values: { ProgramFilesDir: "C:\\Program Files", CommonFilesDir: "C:\\Program Files\\Common Files" },
    keys: {
      Setup: { keys: { State: { values: { ImageState: IMAGE_STATES[variant] } } } },
      Uninstall: { keys: uninstallKeys(uninstall) },
    },
  };
}

/** The SOFTWARE hive of a variant, as the test regf writer lays it out. */
export function softwareHive(variant: SoftwareVariant): Buffer {
  const failing = variant === "server2019-failing";
  const winlogon: Record<string, string | number> = failing
    ? { AutoAdminLogon: "1", DefaultUserName: "Administrator", DefaultPassword: WINLOGON_DEFAULT_PASSWORD }
    : { AutoAdminLogon: "0", DefaultUserName: "Administrator" };
  winlogon.Shell = "explorer.exe";
  const { native, wow64 } = UNINSTALL[variant];
  return writeHive(
    {
      keys: {
        Microsoft: {
          keys: {
            "Windows NT": {
              keys: {
                CurrentVersion: {
                  values: CURRENT_VERSIONS[variant],
                  keys: { Winlogon: { values: winlogon } },
                },
              },
            },
            Windows: { keys: { CurrentVersion: windowsCurrentVersion(variant, native) } },
          },
        },
        WOW6432Node: {
          keys: {
            Microsoft: {
              keys: { Windows: { keys: { CurrentVersion: windowsCurrentVersion(variant, wow64) } } },
            },
          },
        },
        Amazon: { keys: {} },
      },
    },
    { rootName: "ROOT" },
  );
}
