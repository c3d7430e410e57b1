import { ALNUM, fakeToken } from "../../../test/support/keygen.js";
import { testRule } from "../../../test/support/rule-tester.js";
import { maskSecret } from "../rule.js";
import rule from "./secret-tokens.js";

const github = fakeToken("ghp_", 36, ALNUM);
const slack = `xoxb-${fakeToken("", 12, "0123456789")}-${fakeToken("", 24, ALNUM, 2)}`;
const google = fakeToken("AIza", 35, ALNUM, 4);
const stripe = fakeToken("sk_live_", 24, ALNUM, 6);

testRule(rule, {
  valid: [
    { name: "the clean Debian rootfs", changes: {} },
    {
      name: "token-like text that is too short or in documentation",
      changes: {
        "/etc/app/notes.conf": "token = ghp_short\nkey = sk_test_abc\n",
        "/usr/share/doc/app/README": `export GITHUB_TOKEN=${github}\n`,
      },
    },
    {
      name: "a GitHub token in git's credential store (a credential-store finding, reported there once)",
      changes: { "/root/.git-credentials": `https://builder:${github}@github.com\n` },
    },
  ],
  invalid: [
    {
      name: "a GitHub token in a deploy script and app tokens in /srv",
      changes: {
        "/usr/local/bin/deploy.sh": `#!/bin/sh\ngit clone https://builder:${github}@github.com/acme/app.git\n`,
        "/srv/app/.env": `SLACK_TOKEN=${slack}\nMAPS_KEY=${google}\nSTRIPE_KEY=${stripe}\n`,
      },
      findings: [
        {
          path: "/srv/app/.env",
          line: 1,
          severity: "high",
          message: "slack-token",
          evidence: maskSecret(slack),
        },
        { path: "/srv/app/.env", line: 2, message: "google-api-key", evidence: maskSecret(google) },
        { path: "/srv/app/.env", line: 3, message: "stripe-live-key", evidence: maskSecret(stripe) },
        { path: "/usr/local/bin/deploy.sh", line: 2, message: "github-token", evidence: maskSecret(github) },
      ],
    },
  ],
});
