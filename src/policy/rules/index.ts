import type { FactName } from "../../inspect/facts.js";
import type { Rule } from "../rule.js";
import cloudInitPasswordAuth from "./cloud-init-password-auth.js";
import firstBootDownloads from "./first-boot-downloads.js";
import sshEmptyPasswords from "./ssh-empty-passwords.js";
import sshPasswordAuth from "./ssh-password-auth.js";
import sshRootLogin from "./ssh-root-login.js";

/** Every rule in one explicit list (no self-registration); the engine runs them sorted by id. */
const list: Array<Rule<FactName>> = [
  // one import per rule file, one line each, kept alphabetical
  cloudInitPasswordAuth,
  firstBootDownloads,
  sshEmptyPasswords,
  sshPasswordAuth,
  sshRootLogin,
];

export const rules: ReadonlyArray<Rule<FactName>> = [...list].sort((a, b) => a.id.localeCompare(b.id));
