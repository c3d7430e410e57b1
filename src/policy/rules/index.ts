import type { FactName } from "../../inspect/facts.js";
import type { Rule } from "../rule.js";
import authorizedKeysPresent from "./authorized-keys-present.js";
import awsCredentials from "./aws-credentials.js";
import otherCloudBanner from "./other-cloud-banner.js";
import privateKeyInImage from "./private-key-in-image.js";
import regionEndpoints from "./region-endpoints.js";
import secretTokens from "./secret-tokens.js";
import shellHistory from "./shell-history.js";
import sshHostKeysPresent from "./ssh-host-keys-present.js";

/** Every rule in one explicit list (no self-registration); the engine runs them sorted by id. */
const list: Array<Rule<FactName>> = [
  // one import per rule file, one line each, kept alphabetical
  authorizedKeysPresent,
  awsCredentials,
  otherCloudBanner,
  privateKeyInImage,
  regionEndpoints,
  secretTokens,
  shellHistory,
  sshHostKeysPresent,
];

export const rules: ReadonlyArray<Rule<FactName>> = [...list].sort((a, b) => a.id.localeCompare(b.id));
