/**
 * Services that keep a password beside their settings (redis, rclone, wpa_supplicant, OpenVPN),
 * as entries of the credential store table: the seller edits the secret out, so none is removable
 * and each is reported by credential-in-config. Services run from anywhere, so some are also found
 * by file name.
 */

import type { SecretHit } from "./credential-formats.js";
import {
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
