import { defineRule } from "../rule.js";
import { reportedStores, settingDrafts, settingMessages } from "../setting-credentials.js";

export default defineRule({
  id: "app-config-secret",
  title: "API key, token or secret written in application settings",
  clauses: ["SEC-4", "SHR-4"],
  severity: "medium",
  description:
    "A setting named for a secret (secret, token, api_key, apikey, access_key, secret_key, client_secret, auth_token, secret_key_base) is given a literal value that looks generated (at least 8 characters with digits, or long and mixed case) in application configuration: INI/conf, YAML, JSON, PHP, Java properties, .env, XML, TOML, shell exports. Less certain than a password setting (a name like token also labels identifiers), so medium. Tokens whose shape their issuer documents are reported by secret-tokens and aws-credentials instead. Not reported: empty values, placeholders, run-time references, encrypted values, comments, examples, documentation, tests and files that package managers installed, and credential stores that credential-store or credential-in-config report. One finding per file, at the first setting, with the count.",
  remediation:
    "Remove the secret from the file, revoke it at its issuer, and supply it at launch instead (an environment file written from user data, AWS Secrets Manager or SSM Parameter Store).",
  messages: settingMessages,
  facts: ["content", "credentialStores"],
  check({ content, credentialStores }) {
    return settingDrafts(content.configCredentials, "secret", "low", reportedStores(credentialStores));
  },
});
