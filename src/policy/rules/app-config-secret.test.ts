import { ALNUM, fakeToken } from "../../../test/support/keygen.js";
import { testRule } from "../../../test/support/rule-tester.js";
import rule from "./app-config-secret.js";

// Made-up values; none is a real credential.
const $ = "$";

testRule(rule, {
  valid: [
    { name: "the clean Debian rootfs", changes: {} },
    {
      name: "placeholders, references, flags, words, and names that are not the secret",
      changes: {
        "/opt/app/config.json": '{ "api_key": "YOUR_API_KEY", "client_secret": "" }\n',
        "/opt/app/config.yml": [
          `api_token: ${$}{API_TOKEN}`,
          "secret: true",
          "token: session",
          "max_tokens: 4096",
          "token_url: https://auth.internal/oauth/token",
          "secretName: app-credentials",
          "",
        ].join("\n"),
        "/opt/app/settings.py": "SECRET_KEY = os.environ['SECRET_KEY']\n",
      },
    },
    {
      name: "a token whose issuer documents its shape is secret-tokens' finding, not this rule's",
      changes: { "/opt/app/.env": `GITHUB_TOKEN=${fakeToken("ghp_", 36, ALNUM)}\n` },
    },
  ],
  invalid: [
    {
      name: "API keys, client secrets and tokens in JSON, YAML, .env and Django settings",
      changes: {
        "/opt/shop/config/settings.json": '{\n  "service": "geo",\n  "api_key": "k3y-8f7a6d5c4b3a2918"\n}\n',
        "/opt/shop/config/oauth.yml": "oauth:\n  client_secret: Cl13ntS3cr3tValue\n",
        "/opt/shop/.env": "STRIPE_SECRET=sk9Q2mZ7xW4v\nAUTH_TOKEN='t0k3n-a8F2kQ9z'\n",
        "/opt/shop/shop/settings.py": "SECRET_KEY = 'dj4ng0-k3y-9f8e7d6c5b'\n",
      },
      findings: [
        {
          path: "/opt/shop/.env",
          line: 1,
          severity: "medium",
          messageId: "settings",
          message: "2 settings are set to literal API keys, tokens or secrets: STRIPE_SECRET, AUTH_TOKEN",
          evidence: "STRIPE_SECRET = ************ (12 chars)",
        },
        {
          path: "/opt/shop/config/oauth.yml",
          line: 2,
          data: { setting: "client_secret", what: "API key, token or secret" },
        },
        {
          path: "/opt/shop/config/settings.json",
          line: 3,
          message: "api_key is set to a literal API key, token or secret",
          evidence: "api_key = ************ (20 chars)",
        },
        {
          path: "/opt/shop/shop/settings.py",
          line: 1,
          severity: "medium",
          data: { setting: "SECRET_KEY", what: "API key, token or secret" },
        },
      ],
    },
    {
      name: "a literal in program code is less certain",
      changes: { "/opt/shop/geo.js": 'const client = new Geo({ apiKey: "a1b2c3d4e5f6g7h8" });\n' },
      findings: [
        {
          path: "/opt/shop/geo.js",
          line: 1,
          severity: "low",
          data: { setting: "apiKey", what: "API key, token or secret" },
        },
      ],
    },
  ],
});
