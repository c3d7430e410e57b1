import { groupByFile } from "../per-file.js";
import { defineRule, type FindingDraft } from "../rule.js";
import { isReported, reportedStores } from "../setting-credentials.js";

const messages = {
  url: "a URL carries a password: {{url}}",
  urls: "{{count}} URLs carry passwords, the first {{url}}",
};

export default defineRule({
  id: "url-credentials",
  title: "Password inside a URL",
  clauses: ["SEC-4", "SHR-4"],
  severity: "high",
  description:
    "A URL of any scheme carries a password in its userinfo (postgres://app:…@db, mongodb://, redis://:…@, amqp://, http://user:…@proxy) in a text file: a database, queue or proxy password every instance would share. Not reported: a user without a password (user@host), a password that is a reference ($VAR and its braced form) or a placeholder, documentation hosts (example.com, .test, .invalid), comments, examples, documentation, tests, files that package managers installed, and credential stores that credential-store or credential-in-config report (.git-credentials, pip.conf). A URL in program code outside files named for configuration may be a default, and is reported at medium severity. One finding per file, at the first URL, with the count.",
  remediation:
    "Take the password out of the URL, change it where it is used, and supply it at launch (an environment variable from user data, AWS Secrets Manager or SSM Parameter Store); most clients read it separately (PGPASSWORD, a password file).",
  messages,
  facts: ["content", "credentialStores"],
  check({ content, credentialStores }) {
    const stores = reportedStores(credentialStores);
    const own = content.urlCredentials.filter((u) => !isReported(stores, u.path));
    return groupByFile(own).map(({ path, first, all }): FindingDraft<keyof typeof messages> => {
      const place = {
        path,
        line: first.line,
        evidence: first.url,
        ...(first.certainty === "source" ? { severity: "medium" as const } : {}),
      };
      return all.length === 1
        ? { ...place, messageId: "url", data: { url: first.url } }
        : { ...place, messageId: "urls", data: { count: all.length, url: first.url } };
    });
  },
});
