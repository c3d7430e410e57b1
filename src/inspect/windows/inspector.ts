import type { Inspector } from "../context.js";
import { AGENT_PATHS, configText, readLaunchAgents } from "./agents.js";
import {
  AWS_CREDENTIALS_PATTERN,
  findCredentialManagerFiles,
  PSREADLINE_PATTERN,
  readAwsCredentialFiles,
  readPsReadLine,
  readRdpPasswords,
  readUnattendPasswords,
  readWinlogonPassword,
  UNATTEND_PATTERNS,
} from "./credentials.js";
import { guarded, HIVE_PATHS, loadHive } from "./hives.js";
import { readArchitecture, readIdentity } from "./identity.js";
import { findPath, readIfExists } from "./paths.js";
import { readAliasMembers, readSamUsers } from "./sam.js";
import { readAutoStartServices } from "./services.js";
import { parseStateIni, readImageState, readInstalledSoftware, readRdp } from "./system.js";
import type { WindowsFacts } from "./types.js";

export type { WindowsFacts } from "./types.js";

const ADMINISTRATORS = 544;
const REMOTE_DESKTOP_USERS = 555;
const STATE_INI = "/Windows/Setup/State/State.ini";

export function notWindows(): WindowsFacts {
  return {
    isWindows: false,
    identity: {},
    agents: {},
    users: [],
    administrators: [],
    remoteDesktopUsers: [],
    rdp: {},
    sysprep: {},
    savedPasswords: [],
    psReadLineHistories: [],
    awsCredentialFiles: [],
    credentialManagerFiles: [],
    software: [],
    services: [],
    hiveNotes: [],
  };
}

/** Windows facts from the registry hives and well-known files; paths are matched case-insensitively. */
export const windowsInspector: Inspector<"windows"> = {
  name: "windows",
  description: "Windows identity, launch agents, SAM accounts, RDP, sysprep state and saved passwords",
  paths: [
    ...Object.values(HIVE_PATHS),
    "/Windows/System32/ntoskrnl.exe",
    "/Windows/System32/cmd.exe",
    ...Object.values(AGENT_PATHS),
    STATE_INI,
    ...UNATTEND_PATTERNS,
    PSREADLINE_PATTERN,
    AWS_CREDENTIALS_PATTERN,
    "/**/*.rdp",
  ],
  async inspect(ctx) {
    if (!(await findPath(ctx.image, "/Windows/System32"))) return notWindows();
    const facts = notWindows();
    facts.isWindows = true;
    const [software, system, sam] = [
      await loadHive(ctx, "SOFTWARE"),
      await loadHive(ctx, "SYSTEM"),
      await loadHive(ctx, "SAM"),
    ];
    for (const h of [software, system, sam])
      for (const note of h?.hive.notes ?? []) facts.hiveNotes.push({ path: h!.path, note });
    if (software) {
      const { hive, path } = software;
      facts.identity = guarded(ctx, path, () => readIdentity(hive, path)) ?? {};
      facts.sysprep = guarded(ctx, path, () => readImageState(hive, path)) ?? {};
      facts.software = guarded(ctx, path, () => readInstalledSoftware(hive, path)) ?? [];
      facts.savedPasswords.push(...(guarded(ctx, path, () => readWinlogonPassword(hive, path)) ?? []));
    }
    if (system) {
      facts.rdp = guarded(ctx, system.path, () => readRdp(system.hive, system.path)) ?? {};
      facts.services = guarded(ctx, system.path, () => readAutoStartServices(system.hive, system.path)) ?? [];
    }
    if (sam) {
      const { hive, path } = sam;
      facts.users = guarded(ctx, path, () => readSamUsers(hive, path)) ?? [];
      facts.administrators =
        guarded(ctx, path, () => readAliasMembers(hive, ADMINISTRATORS, facts.users, path)) ?? [];
      facts.remoteDesktopUsers =
        guarded(ctx, path, () => readAliasMembers(hive, REMOTE_DESKTOP_USERS, facts.users, path)) ?? [];
    }
    try {
      const ini = await readIfExists(ctx.image, STATE_INI, 1024 * 1024);
      if (ini) facts.sysprep.stateIni = { path: ini.path, imageState: parseStateIni(configText(ini.bytes)) };
    } catch (e) {
      ctx.unknown(STATE_INI, e);
    }
    try {
      const arch = await readArchitecture(ctx.image);
      if (arch) facts.architecture = arch;
    } catch (e) {
      ctx.unknown("/Windows/System32/ntoskrnl.exe", e);
    }
    facts.agents = await readLaunchAgents(ctx);
    facts.savedPasswords.unshift(...(await readUnattendPasswords(ctx)));
    facts.savedPasswords.push(...(await readRdpPasswords(ctx)));
    facts.psReadLineHistories = await readPsReadLine(ctx);
    facts.awsCredentialFiles = await readAwsCredentialFiles(ctx);
    facts.credentialManagerFiles = await findCredentialManagerFiles(ctx);
    return facts;
  },
};
