import { defineRule } from "../rule.js";
import { reportedStores, settingDrafts, settingMessages } from "../setting-credentials.js";

export default defineRule({
  id: "app-config-password",
  title: "Password written in application settings",
  clauses: ["SEC-4", "SHR-4"],
  severity: "high",
  description:
    "A setting named for a password (password, passwd, pwd, pass, passphrase, with prefixes such as DB_PASSWORD, MYSQL_ROOT_PASSWORD or spring.datasource.password) is given a literal value in application configuration: INI/conf, YAML, JSON, PHP (define(), $variables, array keys), Java properties, .env, XML elements and attributes, TOML, shell exports. Every instance launched from the image would share the password and everyone holding the image can read it. Not reported: empty values, placeholders (changeme, YOUR_PASSWORD, <password>), run-time references ($VAR and its braced form, {{ var }}, getenv()), encrypted values (Ansible vault, sops), settings that hold a hash or a path, comments, example and sample files, documentation, tests, and files that package managers installed, and credential stores that credential-store or credential-in-config report. A literal in program code outside files named for configuration may be a default, and is reported at medium severity. One finding per file, at the first setting, with the count.",
  remediation:
    "Remove the password from the file, change it wherever it is used, and supply it at launch instead (an environment file written from user data, AWS Secrets Manager or SSM Parameter Store), or generate it on first boot.",
  messages: settingMessages,
  facts: ["content", "credentialStores"],
  check({ content, credentialStores }) {
    return settingDrafts(content.configCredentials, "password", "medium", reportedStores(credentialStores));
  },
});
