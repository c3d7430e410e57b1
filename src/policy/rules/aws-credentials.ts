import { defineRule } from "../rule.js";

const AWS_KINDS = new Set(["aws-access-key-id", "aws-secret-access-key", "aws-session-token"]);

export default defineRule({
  id: "aws-credentials",
  title: "AWS credentials in the image",
  clauses: ["SEC-4", "SEC-5"],
  severity: "critical",
  description:
    "AWS access key IDs, secret access keys and session tokens in any text file: application configuration, environment files, scripts. The documented example keys (…EXAMPLE) are ignored. Keys in the AWS CLI's own files (~/.aws/credentials and config, its caches, .s3cfg, .boto) are reported by credential-store and credential-in-config, as critical, once.",
  remediation:
    "Remove the keys from the image, deactivate them in IAM (they must be treated as leaked), and give the software an IAM role (instance profile) instead.",
  // No fix: a key inside an application's file cannot be removed without breaking it (the AWS CLI's
  // own files, which fix does remove, are credential-store findings).
  // The key's kind as the secrets inspector names it ("aws-access-key-id"); the key itself is evidence, masked.
  messages: { key: "{{kind}}" },
  facts: ["content", "credentialStores"],
  check({ content, credentialStores }) {
    const stores = new Set(credentialStores.stores.map((s) => s.path));
    return content.secrets
      .filter((s) => AWS_KINDS.has(s.kind) && !stores.has(s.path))
      .map((s) => ({
        path: s.path,
        line: s.line,
        messageId: "key",
        data: { kind: s.kind },
        evidence: s.masked,
      }));
  },
});
