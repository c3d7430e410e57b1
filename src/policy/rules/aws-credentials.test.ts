import { BASE64_CHARS, fakeToken } from "../../../test/support/keygen.js";
import { testRule } from "../../../test/support/rule-tester.js";
import { maskSecret } from "../rule.js";
import rule from "./aws-credentials.js";

const keyId = fakeToken("AKIA", 16);
const secret = fakeToken("", 40, BASE64_CHARS, 3);
const tempId = fakeToken("ASIA", 16, undefined, 5);
const session = fakeToken("", 300, BASE64_CHARS, 9);

testRule(rule, {
  valid: [
    { name: "the clean Debian rootfs", changes: {} },
    {
      name: "AWS's documented example keys and a profile without keys",
      changes: {
        "/root/.aws/config": "[default]\nregion = us-east-1\noutput = json\n",
        "/opt/app/README.txt": `aws_access_key_id = ${"AKIAIOSFODNN7"}EXAMPLE\naws_secret_access_key = ${"wJalrXUtnFEMI/K7MDENG/bPxRfiCY"}EXAMPLEKEY\n`,
      },
    },
    {
      name: "the AWS CLI credentials file of the default user (a credential-store finding, reported there once)",
      changes: {
        "/home/admin/.aws/credentials": `[default]\naws_access_key_id = ${keyId}\naws_secret_access_key = ${secret}\n`,
      },
    },
  ],
  invalid: [
    {
      name: "a live key id beside a placeholder secret in the AWS CLI credentials file (no store: the content pass reports the id)",
      changes: {
        "/home/admin/.aws/credentials": `[default]\naws_access_key_id = ${keyId}\naws_secret_access_key = changeme\n`,
      },
      findings: [
        {
          path: "/home/admin/.aws/credentials",
          line: 2,
          severity: "critical",
          message: "aws-access-key-id",
          evidence: maskSecret(keyId),
        },
      ],
    },
    {
      name: "an application config in /opt and temporary credentials in an env file",
      changes: {
        "/opt/app/config.yml": `server:\n  port: 8080\naws:\n  access_key_id: ${keyId}\n  secret_access_key: "${secret}"\n`,
        "/etc/default/app": `AWS_ACCESS_KEY_ID=${tempId}\nAWS_SESSION_TOKEN=${session}\n`,
      },
      findings: [
        { path: "/etc/default/app", line: 1, message: "aws-access-key-id", evidence: maskSecret(tempId) },
        { path: "/etc/default/app", line: 2, message: "aws-session-token", evidence: maskSecret(session) },
        { path: "/opt/app/config.yml", line: 4, message: "aws-access-key-id", evidence: maskSecret(keyId) },
        {
          path: "/opt/app/config.yml",
          line: 5,
          message: "aws-secret-access-key",
          evidence: maskSecret(secret),
        },
      ],
    },
  ],
});
