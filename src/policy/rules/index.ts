import type { FactName } from "../../inspect/facts.js";
import type { Rule } from "../rule.js";
import appConfigPassword from "./app-config-password.js";
import appConfigSecret from "./app-config-secret.js";
import architectureUnsupported from "./architecture-unsupported.js";
import archiveUnsafeEntry from "./archive-unsafe-entry.js";
import authorizedKeysPresent from "./authorized-keys-present.js";
import awsCredentials from "./aws-credentials.js";
import blankPassword from "./blank-password.js";
import cloudInitPasswordAuth from "./cloud-init-password-auth.js";
import credentialInConfig from "./credential-in-config.js";
import credentialStore from "./credential-store.js";
import encryptedFilesystem from "./encrypted-filesystem.js";
import extraUid0Account from "./extra-uid0-account.js";
import firstBootDownloads from "./first-boot-downloads.js";
import kernelNitroDrivers from "./kernel-nitro-drivers.js";
import knownVulnerabilities from "./known-vulnerabilities.js";
import malware from "./malware.js";
import noSudoAdmin from "./no-sudo-admin.js";
import notHvmBootable from "./not-hvm-bootable.js";
import osEndOfLife from "./os-end-of-life.js";
import otherCloudBanner from "./other-cloud-banner.js";
import passwdBackupHashes from "./passwd-backup-hashes.js";
import passwordHashLoginUser from "./password-hash-login-user.js";
import privateKeyInImage from "./private-key-in-image.js";
import regionEndpoints from "./region-endpoints.js";
import remoteAccessAgents from "./remote-access-agents.js";
import rootPasswordBlank from "./root-password-blank.js";
import rootPasswordSet from "./root-password-set.js";
import runtimeEndOfLife from "./runtime-end-of-life.js";
import scanIncomplete from "./scan-incomplete.js";
import scheduledExternalConnections from "./scheduled-external-connections.js";
import secretTokens from "./secret-tokens.js";
import shellHistory from "./shell-history.js";
import sshEmptyPasswords from "./ssh-empty-passwords.js";
import sshHostKeysPresent from "./ssh-host-keys-present.js";
import sshPasswordAuth from "./ssh-password-auth.js";
import sshRootLogin from "./ssh-root-login.js";
import sshdConfigRefused from "./sshd-config-refused.js";
import sshdNotEnabled from "./sshd-not-enabled.js";
import telemetryAgents from "./telemetry-agents.js";
import urlCredentials from "./url-credentials.js";
import userDataRequired from "./user-data-required.js";
import vulnDbStale from "./vuln-db-stale.js";
import winEc2config from "./win-ec2config.js";
import winEc2launch from "./win-ec2launch.js";
import winFixedAdminPassword from "./win-fixed-admin-password.js";
import winGuestRdpUsers from "./win-guest-rdp-users.js";
import winNotGeneralized from "./win-not-generalized.js";
import winPsreadlineHistory from "./win-psreadline-history.js";
import winRdpDisabled from "./win-rdp-disabled.js";
import winSavedPasswords from "./win-saved-passwords.js";

/** Every rule in one explicit list (no self-registration); the engine runs them sorted by id. */
const list: Array<Rule<FactName>> = [
  appConfigPassword,
  appConfigSecret,
  architectureUnsupported,
  archiveUnsafeEntry,
  authorizedKeysPresent,
  awsCredentials,
  blankPassword,
  cloudInitPasswordAuth,
  credentialInConfig,
  credentialStore,
  encryptedFilesystem,
  extraUid0Account,
  firstBootDownloads,
  kernelNitroDrivers,
  knownVulnerabilities,
  malware,
  noSudoAdmin,
  notHvmBootable,
  osEndOfLife,
  otherCloudBanner,
  passwdBackupHashes,
  passwordHashLoginUser,
  privateKeyInImage,
  regionEndpoints,
  remoteAccessAgents,
  rootPasswordBlank,
  rootPasswordSet,
  runtimeEndOfLife,
  scanIncomplete,
  scheduledExternalConnections,
  secretTokens,
  shellHistory,
  sshEmptyPasswords,
  sshHostKeysPresent,
  sshPasswordAuth,
  sshRootLogin,
  sshdConfigRefused,
  sshdNotEnabled,
  telemetryAgents,
  urlCredentials,
  userDataRequired,
  vulnDbStale,
  winEc2config,
  winEc2launch,
  winFixedAdminPassword,
  winGuestRdpUsers,
  winNotGeneralized,
  winPsreadlineHistory,
  winRdpDisabled,
  winSavedPasswords,
];

export const rules: ReadonlyArray<Rule<FactName>> = [...list].sort((a, b) => a.id.localeCompare(b.id));
