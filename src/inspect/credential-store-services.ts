/**
 * Services that keep a password beside their settings (redis, rclone, wpa_supplicant, OpenVPN),
 * as entries of the credential store table: the seller edits the secret out, so none is removable
 * and each is reported by credential-in-config. Services run from anywhere, so some are also found
 * by file name.
 */

import { parseKeyValues, type SecretHit } from "./credential-formats.js";
import {
  parseFileZillaServers,
  parseOpenvpnAuthFile,
  parseOpenvpnConfig,
  parseRcloneConfig,
  parseRedisConfig,
  parseUnreferencedOpenvpnAuthFile,
  parseWpaSupplicant,
} from "./credential-formats-services.js";
import type { StoreParser, StoreSpec } from "./credential-store-table.js";

const text =
  (parse: (text: string) => SecretHit[]): StoreParser =>
  ({ text: t }) =>
    parse(t);

/** The keys of a NetworkManager keyfile that hold a secret (nm-settings-keyfile(5)). */
const NETWORK_MANAGER_SECRETS =
  /^(?:psk|wep-key[0-3]|leap-password|password|private-key-password|phase2-private-key-password|pin|cert-pass)$/;

/** Directories OpenVPN's packaging and units read configurations from (the units' working directories). */
export const OPENVPN_DIRS = ["/etc/openvpn", "/etc/openvpn/client", "/etc/openvpn/server"];

/** Services that keep a password beside their settings: the seller edits it out (credential-in-config). */
export const SERVICE_SPECS: readonly StoreSpec[] = [
  {
    tool: "redis",
    kind: "redis server password",
    system: ["/etc/redis/*.conf", "/etc/redis.conf", "/usr/local/etc/redis.conf", "/etc/redis/*/*.conf"],
    names: /^(?:redis|sentinel)(?:[-_.][\w.-]+)?\.conf$/,
    removable: false,
    parse: text(parseRedisConfig),
  },
  {
    tool: "rclone",
    kind: "rclone remote credentials",
    home: [".config/rclone/rclone.conf", ".rclone.conf"],
    system: ["/etc/rclone/rclone.conf", "/etc/rclone.conf"],
    removable: false,
    parse: text(parseRcloneConfig),
  },
  {
    tool: "wpa_supplicant",
    kind: "Wi-Fi network key",
    system: [
      "/etc/wpa_supplicant.conf",
      "/etc/wpa_supplicant/*.conf",
      "/boot/wpa_supplicant.conf",
      "/boot/firmware/wpa_supplicant.conf",
    ],
    removable: false,
    parse: text(parseWpaSupplicant),
  },
  {
    // Keyfiles of connections whose secrets are stored by the system (psk-flags / password-flags
    // 0): Wi-Fi keys, 802.1X and VPN passwords, SIM PINs, in plain text.
    tool: "NetworkManager",
    kind: "network connection secret",
    system: ["/etc/NetworkManager/system-connections/*", "/usr/lib/NetworkManager/system-connections/*"],
    removable: false,
    parse: text((t) =>
      parseKeyValues(t, {
        isSecretKey: (k) => NETWORK_MANAGER_SECRETS.test(k),
        separators: /\s*=\s*/,
        comments: ["#", ";"],
        inlineComments: false,
      }),
    ),
  },
  {
    // Site definitions with their passwords: the seller edits the passwords out and keeps the sites.
    tool: "FileZilla",
    kind: "FTP/SFTP site passwords (base64, not encrypted)",
    home: [".config/filezilla/sitemanager.xml", ".filezilla/sitemanager.xml"],
    system: ["/Users/*/AppData/Roaming/FileZilla/sitemanager.xml"],
    removable: false,
    parse: text(parseFileZillaServers),
  },
  {
    tool: "openvpn",
    kind: "OpenVPN inline auth-user-pass password",
    system: OPENVPN_DIRS.map((d) => `${d}/*.conf`),
    names: /\.ovpn$/,
    removable: false,
    parse: text(parseOpenvpnConfig),
  },
];

/** The file an OpenVPN configuration's `auth-user-pass FILE` names: the configuration needs it, so it stays. */
export const OPENVPN_AUTH_FILE_SPEC: StoreSpec = {
  tool: "openvpn",
  kind: "OpenVPN auth-user-pass file",
  removable: false,
  parse: text(parseOpenvpnAuthFile),
};

/** A file in /etc/openvpn no configuration names, shaped exactly like an auth-user-pass file. */
export const OPENVPN_LOOSE_AUTH_FILE_SPEC: StoreSpec = {
  ...OPENVPN_AUTH_FILE_SPEC,
  parse: text(parseUnreferencedOpenvpnAuthFile),
};
