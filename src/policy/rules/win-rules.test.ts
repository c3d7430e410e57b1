import { corpusHive } from "../../../test/support/hivex.js";
import { testRule } from "../../../test/support/rule-tester.js";
import {
  EC2LAUNCH_V2_RANDOM,
  MACHINE_SID,
  SERVER_2012R2,
  samHive,
  windowsChanges,
} from "../../../test/support/windows-tree.js";
import winEc2config from "./win-ec2config.js";
import winEc2launch from "./win-ec2launch.js";
import winFixedAdminPassword from "./win-fixed-admin-password.js";
import winGuestRdpUsers from "./win-guest-rdp-users.js";
import winNotGeneralized from "./win-not-generalized.js";
import winPsreadlineHistory from "./win-psreadline-history.js";
import winRdpDisabled from "./win-rdp-disabled.js";
import winSavedPasswords from "./win-saved-passwords.js";

const V2 = "/ProgramData/Amazon/EC2Launch/config/agent-config.yml";
const V1 = "/ProgramData/Amazon/EC2-Windows/Launch/Config/LaunchConfig.json";
const EC2CONFIG = "/Program Files/Amazon/Ec2ConfigService/Settings/config.xml";
const SOFTWARE = "/Windows/System32/config/SOFTWARE";
const RDU_KEY = "/Windows/System32/config/SAM\\SAM\\Domains\\Builtin\\Aliases\\0000022B";
const CV = `${SOFTWARE}\\Microsoft\\Windows NT\\CurrentVersion`;
const deleted = { type: "deleted" } as const;
const linux = { name: "a Linux tree (Debian rootfs)", changes: {} };

function ec2configXml(states: Record<string, string>): string {
  const plugins = Object.entries(states)
    .map(([n, s]) => `    <Plugin>\n      <Name>${n}</Name>\n      <State>${s}</State>\n    </Plugin>`)
    .join("\n");
  return `<?xml version="1.0" standalone="yes"?>\n<Ec2ConfigurationSettings>\n  <Plugins>\n${plugins}\n  </Plugins>\n</Ec2ConfigurationSettings>\n`;
}
const ALL_ENABLED = {
  Ec2SetPassword: "Enabled",
  Ec2WindowsActivate: "Enabled",
  Ec2HandleUserData: "Enabled",
  Ec2SetComputerName: "Disabled",
};

testRule(winEc2launch, {
  valid: [
    { name: "Server 2019 with EC2Launch v2", base: "empty", changes: windowsChanges() },
    {
      name: "Server 2012 R2 with EC2Config (not this rule's business)",
      base: "empty",
      changes: windowsChanges({
        currentVersion: SERVER_2012R2,
        files: { [V2]: deleted, [EC2CONFIG]: ec2configXml(ALL_ENABLED) },
      }),
    },
    {
      name: "Windows 10 client without agents",
      base: "empty",
      changes: windowsChanges({
        currentVersion: {
          ProductName: "Windows 10 Pro",
          CurrentBuildNumber: "19045",
          InstallationType: "Client",
        },
        files: { [V2]: deleted },
      }),
    },
    linux,
  ],
  invalid: [
    {
      name: "Server 2019 without any agent",
      base: "empty",
      changes: windowsChanges({ files: { [V2]: deleted } }),
      findings: [
        {
          path: CV,
          severity: "high",
          message: "No EC2Launch on Windows Server 2019 Datacenter",
          evidence: "build 17763",
        },
      ],
    },
    {
      name: "Server 2019 with EC2Config only",
      base: "empty",
      changes: windowsChanges({ files: { [V2]: deleted, [EC2CONFIG]: ec2configXml(ALL_ENABLED) } }),
      findings: [
        { path: EC2CONFIG, message: "Windows Server 2019 Datacenter uses EC2Config, not EC2Launch" },
      ],
    },
    {
      name: "Server 2019 with EC2Launch v1 (v2 preferred)",
      base: "empty",
      changes: windowsChanges({
        files: { [V2]: deleted, [V1]: '{"adminPasswordType":"Random","handleUserData":true}' },
      }),
      findings: [
        { path: V1, severity: "low", message: "EC2Launch v1 is installed; EC2Launch v2 is preferred" },
      ],
    },
  ],
});

testRule(winEc2config, {
  valid: [
    {
      name: "2012 R2 with EC2Config, three plugins enabled",
      base: "empty",
      changes: windowsChanges({
        currentVersion: SERVER_2012R2,
        files: { [V2]: deleted, [EC2CONFIG]: ec2configXml(ALL_ENABLED) },
      }),
    },
    {
      name: "2012 R2 with EC2Launch v2",
      base: "empty",
      changes: windowsChanges({ currentVersion: SERVER_2012R2 }),
    },
    { name: "Server 2019 (EC2Launch era)", base: "empty", changes: windowsChanges() },
    linux,
  ],
  invalid: [
    {
      name: "2012 R2 with Ec2SetPassword disabled and Ec2HandleUserData missing",
      base: "empty",
      changes: windowsChanges({
        currentVersion: SERVER_2012R2,
        files: {
          [V2]: deleted,
          [EC2CONFIG]: ec2configXml({ Ec2SetPassword: "Disabled", Ec2WindowsActivate: "Enabled" }),
        },
      }),
      findings: [
        { path: EC2CONFIG, message: "EC2Config plugin Ec2SetPassword is Disabled" },
        { path: EC2CONFIG, message: "EC2Config plugin Ec2HandleUserData is missing" },
      ],
    },
    {
      name: "2012 R2 with no agent",
      base: "empty",
      changes: windowsChanges({ currentVersion: SERVER_2012R2, files: { [V2]: deleted } }),
      findings: [{ path: CV, message: "No EC2Config on Windows Server 2012 R2 Datacenter" }],
    },
  ],
});

testRule(winFixedAdminPassword, {
  valid: [
    { name: "EC2Launch v2 random password", base: "empty", changes: windowsChanges() },
    {
      name: "EC2Launch v1 Random",
      base: "empty",
      changes: windowsChanges({
        files: { [V2]: deleted, [V1]: '{"adminPasswordType":"Random","adminPassword":""}' },
      }),
    },
    linux,
  ],
  invalid: [
    {
      name: "EC2Launch v2 static password",
      base: "empty",
      changes: windowsChanges({
        files: {
          [V2]: EC2LAUNCH_V2_RANDOM.replace("type: random", "type: static\n        data: Sup3rS3cret!"),
        },
      }),
      findings: [
        {
          path: V2,
          message: "EC2Launch v2 setAdminAccount uses a static password",
          evidence: "password.type: static",
        },
      ],
    },
    {
      name: "EC2Launch v1 Specify (UTF-8 BOM)",
      base: "empty",
      changes: windowsChanges({
        files: { [V2]: deleted, [V1]: '\ufeff{"adminPasswordType":"Specify","adminPassword":"P@ss"}' },
      }),
      findings: [{ path: V1, message: "EC2Launch v1 sets a specified administrator password" }],
    },
  ],
});

const localSid = (rid: number) => `${MACHINE_SID}-${rid}`;
const USERS = [
  { name: "Administrator", rid: 500, disabled: false },
  { name: "Guest", rid: 501, disabled: true },
  { name: "builder", rid: 1001, disabled: false },
];

testRule(winGuestRdpUsers, {
  valid: [
    {
      name: "real SAM: Guest disabled, Remote Desktop Users empty",
      base: "empty",
      changes: windowsChanges(),
    },
    {
      name: "written SAM: Guest disabled, only Administrators has members",
      base: "empty",
      changes: windowsChanges({ sam: samHive(USERS, { 544: [localSid(500)], 555: [] }) }),
    },
    linux,
  ],
  invalid: [
    {
      name: "Guest enabled and builder in Remote Desktop Users",
      base: "empty",
      changes: windowsChanges({
        sam: samHive([USERS[0]!, { ...USERS[1]!, disabled: false }, USERS[2]!], {
          544: [localSid(500)],
          555: [localSid(1001), "S-1-5-4"],
        }),
      }),
      findings: [
        {
          path: "/Windows/System32/config/SAM\\SAM\\Domains\\Account\\Users\\Guest",
          message: 'Guest account "Guest" is enabled',
        },
        { path: RDU_KEY, message: "Remote Desktop Users has member builder", evidence: localSid(1001) },
        { path: RDU_KEY, message: "Remote Desktop Users has member S-1-5-4", evidence: "S-1-5-4" },
      ],
    },
  ],
});

testRule(winNotGeneralized, {
  valid: [{ name: "ImageState generalised in SOFTWARE", base: "empty", changes: windowsChanges() }, linux],
  invalid: [
    {
      name: "ImageState complete (sysprep not run)",
      base: "empty",
      changes: windowsChanges({ imageState: "IMAGE_STATE_COMPLETE" }),
      findings: [
        {
          path: `${SOFTWARE}\\Microsoft\\Windows\\CurrentVersion\\Setup\\State`,
          severity: "high",
          evidence: "ImageState=IMAGE_STATE_COMPLETE",
        },
      ],
    },
    {
      name: "no ImageState anywhere",
      base: "empty",
      changes: windowsChanges({ imageState: null }),
      findings: [
        {
          severity: "medium",
          messageId: "noImageState",
          message: "No sysprep ImageState found; cannot tell whether the image was generalised",
        },
      ],
    },
  ],
});

const ADMIN_B64 = Buffer.from("Passw0rd!AdministratorPassword", "utf16le").toString("base64");
const AUTOLOGON_B64 = Buffer.from("Auto1234Password", "utf16le").toString("base64");
const UNATTEND = `<?xml version="1.0" encoding="utf-8"?>
<unattend xmlns="urn:schemas-microsoft-com:unattend">
  <settings pass="oobeSystem">
    <component name="Microsoft-Windows-Shell-Setup">
      <UserAccounts>
        <AdministratorPassword>
          <Value>${ADMIN_B64}</Value>
          <PlainText>false</PlainText>
        </AdministratorPassword>
        <LocalAccounts>
          <LocalAccount wcm:action="add">
            <Password>
              <Value>builderpw</Value>
              <PlainText>true</PlainText>
            </Password>
            <Name>builder</Name>
          </LocalAccount>
        </LocalAccounts>
      </UserAccounts>
      <AutoLogon>
        <Password>
          <Value>${AUTOLOGON_B64}</Value>
          <PlainText>false</PlainText>
        </Password>
        <Username>Administrator</Username>
      </AutoLogon>
    </component>
  </settings>
</unattend>
`;
const SYSPREPPED = UNATTEND.replace(ADMIN_B64, "*SENSITIVE*DATA*DELETED*")
  .replace("builderpw", "*SENSITIVE*DATA*DELETED*")
  .replace(AUTOLOGON_B64, "*SENSITIVE*DATA*DELETED*");

testRule(winSavedPasswords, {
  valid: [
    { name: "no answer files, no DefaultPassword", base: "empty", changes: windowsChanges() },
    {
      name: "answer file processed by sysprep (passwords deleted)",
      base: "empty",
      changes: windowsChanges({ files: { "/Windows/Panther/unattend.xml": SYSPREPPED } }),
    },
    linux,
  ],
  invalid: [
    {
      name: "unattend.xml in Panther with base64, plain and autologon passwords",
      base: "empty",
      changes: windowsChanges({ files: { "/Windows/panther/Unattend.xml": UNATTEND } }),
      findings: [
        {
          path: "/Windows/panther/Unattend.xml",
          line: 7,
          message: "Administrator password in answer file for Administrator (base64, decoded)",
          evidence: "Pa******* (9 chars)",
        },
        {
          path: "/Windows/panther/Unattend.xml",
          line: 13,
          message: "Local account password in answer file for builder",
          evidence: "bu******* (9 chars)",
        },
        {
          path: "/Windows/panther/Unattend.xml",
          line: 22,
          message: "AutoLogon password in answer file for Administrator (base64, decoded)",
          evidence: "Au****** (8 chars)",
        },
      ],
    },
    {
      name: "Winlogon DefaultPassword, .rdp saved password, AWS credentials",
      base: "empty",
      changes: windowsChanges({
        software: {
          Microsoft: {
            keys: {
              "Windows NT": {
                keys: {
                  CurrentVersion: {
                    values: {
                      ProductName: "Windows Server 2022 Datacenter",
                      CurrentBuildNumber: "20348",
                      InstallationType: "Server",
                    },
                    keys: {
                      Winlogon: {
                        values: {
                          AutoAdminLogon: "1",
                          DefaultUserName: "Administrator",
                          DefaultPassword: "Winl0gon!",
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        },
        files: {
          "/Users/builder/Desktop/prod.rdp":
            "full address:s:10.0.0.5\r\nusername:s:admin\r\npassword 51:b:01000000D08C9DDF0115D1118C7A00C04FC297EB\r\n",
          "/Users/builder/.aws/credentials":
            "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
        },
      }),
      findings: [
        {
          path: `${CV}\\Winlogon`,
          message: "Winlogon DefaultPassword (automatic logon) in the registry for Administrator",
          evidence: "Wi******* (9 chars)",
        },
        {
          path: "/Users/builder/Desktop/prod.rdp",
          line: 3,
          message: "Saved password in .rdp file for admin",
        },
        { path: "/Users/builder/.aws/credentials", message: "AWS credentials file in a user profile" },
      ],
    },
    {
      name: "Credential Manager blobs in a user profile and in the system profile",
      base: "empty",
      changes: windowsChanges({
        files: {
          "/Users/builder/AppData/Roaming/Microsoft/Credentials/DFBE70A7E5CC19A398EBF1B96859CE5D":
            "\u0001\u0000\u0000\u0000DPAPI blob",
          "/Users/builder/AppData/Local/Microsoft/Credentials/empty": "",
          "/Windows/System32/config/systemprofile/AppData/Local/Microsoft/Credentials/6A1D2A3C":
            "\u0001\u0000\u0000\u0000DPAPI blob",
        },
      }),
      findings: [
        {
          path: "/Users/builder/AppData/Roaming/Microsoft/Credentials/DFBE70A7E5CC19A398EBF1B96859CE5D",
          message: "Credential Manager holds a saved logon (DPAPI-encrypted blob)",
        },
        {
          path: "/Windows/System32/config/systemprofile/AppData/Local/Microsoft/Credentials/6A1D2A3C",
          message: "Credential Manager holds a saved logon (DPAPI-encrypted blob)",
        },
      ],
    },
  ],
});

const HISTORY =
  "/Users/Administrator/AppData/Roaming/Microsoft/Windows/PowerShell/PSReadLine/ConsoleHost_history.txt";
testRule(winPsreadlineHistory, {
  valid: [
    { name: "no history", base: "empty", changes: windowsChanges() },
    { name: "empty history file", base: "empty", changes: windowsChanges({ files: { [HISTORY]: "\r\n" } }) },
    linux,
  ],
  invalid: [
    {
      name: "history with commands",
      base: "empty",
      changes: windowsChanges({
        files: { [HISTORY]: "Get-Service\r\nSet-LocalUser -Name Administrator -Password $p\r\n" },
      }),
      findings: [{ path: HISTORY, message: "PowerShell history with 2 command(s)" }],
    },
  ],
});

testRule(winRdpDisabled, {
  valid: [
    { name: "fDenyTSConnections 0", base: "empty", changes: windowsChanges({ denyTsConnections: 0 }) },
    linux,
  ],
  invalid: [
    {
      name: "real SYSTEM hive of Windows 10 1709 (client default: RDP denied)",
      base: "empty",
      changes: windowsChanges({
        files: {
          "/Windows/System32/config/SYSTEM": { type: "file", content: corpusHive("SYSTEM_WIN_10_1709.xz") },
        },
      }),
      findings: [
        {
          path: "/Windows/System32/config/SYSTEM\\ControlSet001\\Control\\Terminal Server",
          evidence: "fDenyTSConnections=1",
        },
      ],
    },
    {
      name: "fDenyTSConnections 1",
      base: "empty",
      changes: windowsChanges({ denyTsConnections: 1 }),
      findings: [
        {
          path: "/Windows/System32/config/SYSTEM\\ControlSet001\\Control\\Terminal Server",
          message: "Remote Desktop connections are denied",
        },
      ],
    },
  ],
});
