import type { FactName } from "../../inspect/facts.js";
import type { Rule } from "../rule.js";
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
  // one import per rule file, one line each, kept alphabetical
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
