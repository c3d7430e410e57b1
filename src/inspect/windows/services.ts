import type { Hive } from "./regf/index.js";
import { currentControlSet } from "./system.js";

/** A Windows service the Service Control Manager starts at boot (a listing's "daemons/services"). */
export interface WindowsService {
  /** The service's key name under Services ("W32Time"). */
  name: string;
  /** DisplayName when it is plain text (a "@dll,-id" resource reference is left out). */
  displayName?: string;
  /** Hive path + key. */
  source: string;
}

/** Start=2: SERVICE_AUTO_START (0 boot and 1 system are drivers' start types; 3 manual, 4 disabled). */
const AUTO_START = 2;
/** Type bits of Win32 services: SERVICE_WIN32_OWN_PROCESS 0x10, SERVICE_WIN32_SHARE_PROCESS 0x20. */
const WIN32_SERVICE = 0x30;
/** Per-user service templates (0x40) are not started themselves; their instances are per logon. */
const USER_SERVICE = 0x40;

/** Services set to start automatically in the control set Windows boots with, by name. */
export function readAutoStartServices(system: Hive, hivePath: string): WindowsService[] {
  const cs = currentControlSet(system);
  if (!cs) return [];
  const out: WindowsService[] = [];
  const servicesKey = `${cs}\\Services`;
  for (const key of system.key(servicesKey)?.subkeys() ?? []) {
    const start = key.value("Start")?.number();
    const type = key.value("Type")?.number();
    if (start !== AUTO_START || type === undefined) continue;
    if ((type & WIN32_SERVICE) === 0 || (type & USER_SERVICE) !== 0) continue;
    const display = key.value("DisplayName")?.string();
    out.push({
      name: key.name,
      ...(display && !display.startsWith("@") ? { displayName: display } : {}),
      source: `${hivePath}\\${servicesKey}\\${key.name}`,
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
