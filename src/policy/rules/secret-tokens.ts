import { defineRule } from "../rule.js";

export default defineRule({
  id: "secret-tokens",
  title: "API token in the image",
  clauses: ["SEC-4"],
  severity: "high",
  description:
    "Tokens whose shape their issuers document (GitHub ghp_/gho_/github_pat_, GitLab glpat-, Slack xox?- and webhooks, Google API AIza…, Stripe sk_live_, npm npm_) in any text file. A token in a tool's credential store (.git-credentials, .npmrc, gh's hosts.yml…) is reported once, by credential-store or credential-in-config.",
  remediation: "Remove the token from the image, revoke it at its issuer, and provide it at launch instead.",
  // The token's kind as the secrets inspector names it ("github-token"); the token itself is evidence, masked.
  messages: { token: "{{kind}}" },
  facts: ["content", "credentialStores"],
  check({ content, credentialStores }) {
    const stores = new Set(credentialStores.stores.map((s) => s.path));
    return content.secrets
      .filter((s) => !s.kind.startsWith("aws-") && !stores.has(s.path))
      .map((s) => ({
        path: s.path,
        line: s.line,
        messageId: "token",
        data: { kind: s.kind },
        evidence: s.masked,
      }));
  },
});
