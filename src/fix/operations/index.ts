import type { FixOperation } from "../operation.js";
import cloudCredentials from "./cloud-credentials.js";
import cloudInitSsh from "./cloud-init-ssh.js";
import cloudInitState from "./cloud-init-state.js";
import dhcpLeases from "./dhcp-leases.js";
import histories from "./histories.js";
import lockPasswords from "./lock-passwords.js";
import lockRootPassword from "./lock-root-password.js";
import logs from "./logs.js";
import machineId from "./machine-id.js";
import packageCache from "./package-cache.js";
import privateKeys from "./private-keys.js";
import removePasswdBackups from "./remove-passwd-backups.js";
import sshAuthorizedKeys from "./ssh-authorized-keys.js";
import sshHostKeys from "./ssh-host-keys.js";
import sshdPasswordAuth from "./sshd-password-auth.js";
import sshdRootLogin from "./sshd-root-login.js";
import tmpFiles from "./tmp-files.js";
import windowsEc2launchPassword from "./windows-ec2launch-password.js";
import windowsPsreadline from "./windows-psreadline.js";
import windowsUnattend from "./windows-unattend.js";

/** Every operation in one explicit list (sorted by id); they run by `order`. */
const list: FixOperation[] = [
  cloudCredentials,
  cloudInitSsh,
  cloudInitState,
  dhcpLeases,
  histories,
  lockPasswords,
  lockRootPassword,
  logs,
  machineId,
  packageCache,
  privateKeys,
  removePasswdBackups,
  sshAuthorizedKeys,
  sshHostKeys,
  sshdPasswordAuth,
  sshdRootLogin,
  tmpFiles,
  windowsEc2launchPassword,
  windowsPsreadline,
  windowsUnattend,
];

/** virt-sysprep's start-up check: ids unique and kebab-case, headings one line without a final period. */
export function checkOperations(ops: readonly FixOperation[]): FixOperation[] {
  const seen = new Set<string>();
  for (const op of ops) {
    if (seen.has(op.id)) throw new Error(`fix operation "${op.id}" is registered twice`);
    if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(op.id))
      throw new Error(`fix operation id "${op.id}" is not kebab-case`);
    if (op.heading.includes("\n") || op.heading.endsWith("."))
      throw new Error(`fix operation "${op.id}": badly formed heading`);
    seen.add(op.id);
  }
  return [...ops].sort((a, b) => a.order - b.order || a.id.localeCompare(b.id));
}

export const operations: readonly FixOperation[] = checkOperations(list);
