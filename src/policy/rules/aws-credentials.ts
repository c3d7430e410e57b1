import { defineRule } from "../rule.js";

const AWS_KINDS = new Set(["aws-access-key-id", "aws-secret-access-key", "aws-session-token"]);

export default defineRule({
  id: "aws-credentials",
  title: "AWS credentials in the image",
  clauses: ["SEC-4", "SEC-5"],
  severity: "critical",
  description:
    "AWS access key IDs, secret access keys and session tokens in any text file: ~/.aws/credentials, application configuration, environment files, scripts. The documented example keys (…EXAMPLE) are ignored.",
  remediation:
    "Remove the keys from the image, deactivate them in IAM (they must be treated as leaked), and give the software an IAM role (instance profile) instead.",
  fix: "cloud-credentials",
  // The key's kind as the secrets inspector names it ("aws-access-key-id"); the key itself is evidence, masked.
  messages: {
    key: "{{kind}}",
    keyInCliFile: "{{kind}} in an AWS CLI credentials file",
  },
  facts: ["content"],
  check({ content }) {
    return content.secrets
      .filter((s) => AWS_KINDS.has(s.kind))
      .map((s) => ({
        path: s.path,
        line: s.line,
        messageId: /\/\.aws\/(credentials|config)$/.test(s.path) ? "keyInCliFile" : "key",
        data: { kind: s.kind },
        evidence: s.masked,
      }));
  },
});
