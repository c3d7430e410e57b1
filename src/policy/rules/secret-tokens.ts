import { defineRule } from "../rule.js";

export default defineRule({
  id: "secret-tokens",
  title: "API token in the image",
  clauses: ["SEC-4"],
  severity: "high",
  description:
    "Tokens whose shape their issuers document (GitHub ghp_/gho_/github_pat_, GitLab glpat-, Slack xox?- and webhooks, Google API AIza…, Stripe sk_live_, npm npm_) in any text file.",
  remediation: "Remove the token from the image, revoke it at its issuer, and provide it at launch instead.",
  // The token's kind as the secrets inspector names it ("github-token"); the token itself is evidence, masked.
  messages: { token: "{{kind}}" },
  facts: ["content"],
  check({ content }) {
    return content.secrets
      .filter((s) => !s.kind.startsWith("aws-"))
      .map((s) => ({
        path: s.path,
        line: s.line,
        messageId: "token",
        data: { kind: s.kind },
        evidence: s.masked,
      }));
  },
});
