import type { Hive } from "./regf/index.js";
import type { InstalledSoftware, WindowsFacts } from "./types.js";

/** SYSTEM\Select\Current names the control set Windows boots with (ControlSet00N). */
export function currentControlSet(system: Hive): string | undefined {
  const current = system.key("Select")?.value("Current")?.number();
  if (current === undefined || current < 1 || current > 999) return undefined;
  return `ControlSet${String(current).padStart(3, "0")}`;
}

/** RDP from <CurrentControlSet>\Control\Terminal Server fDenyTSConnections (0 = allowed). */
export function readRdp(system: Hive, path: string): WindowsFacts["rdp"] {
  const cs = currentControlSet(system);
  if (!cs) return {};
  const key = `${cs}\\Control\\Terminal Server`;
  const deny = system.key(key)?.value("fDenyTSConnections")?.number();
  return deny === undefined
    ? { controlSet: cs }
    : { enabled: deny === 0, controlSet: cs, source: `${path}\\${key}` };
}

export const SETUP_STATE = "Microsoft\\Windows\\CurrentVersion\\Setup\\State";

export function readImageState(software: Hive, path: string): { imageState?: string; source?: string } {
  const state = software.key(SETUP_STATE)?.value("ImageState")?.string();
  return state === undefined ? {} : { imageState: state, source: `${path}\\${SETUP_STATE}` };
}

/** Windows/Setup/State/State.ini: [State] ImageState=… */
export function parseStateIni(text: string): string | undefined {
  return /^\s*ImageState\s*=\s*(\S+)\s*$/im.exec(text)?.[1];
}

const UNINSTALL_VIEWS: Array<[string, InstalledSoftware["view"]]> = [
  ["Microsoft\\Windows\\CurrentVersion\\Uninstall", "native"],
  ["WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall", "wow64"],
];

/** Installed programs from both Uninstall views (entries without DisplayName are components). */
export function readInstalledSoftware(software: Hive, hivePath: string): InstalledSoftware[] {
  const out: InstalledSoftware[] = [];
  for (const [path, view] of UNINSTALL_VIEWS) {
    for (const entry of software.key(path)?.subkeys() ?? []) {
      const name = entry.value("DisplayName")?.string();
      if (!name) continue;
      const version = entry.value("DisplayVersion")?.string();
      const publisher = entry.value("Publisher")?.string();
      out.push({
        name,
        ...(version ? { version } : {}),
        ...(publisher ? { publisher } : {}),
        view,
        source: `${hivePath}\\${path}\\${entry.name}`,
      });
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name) || a.source.localeCompare(b.source));
}
