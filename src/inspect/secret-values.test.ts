import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isPlaceholderSecret } from "./secret-values.js";

/** Shell/template references are data here, not template strings. */
const $ = "$";

const placeholders = [
  "",
  "   ",
  "abc",
  "''",
  '""',
  "changeme",
  "CHANGEME",
  "change_me",
  "changeit",
  "password",
  "Password",
  "passwd",
  "secret",
  "xxx",
  "xxxxxxxxxxxx",
  "XXXX-XXXX-XXXX",
  "***",
  "********",
  "0000",
  "YOUR_SECRET_KEY",
  "your-api-key",
  "your_password_here",
  "YourPassword",
  "<password>",
  "<your token>",
  "[password]",
  "{password}",
  `${$}{DB_PASSWORD}`,
  `${$}{DB_PASSWORD:-fallback}`,
  "$DB_PASSWORD",
  "%(db_password)s",
  "{{ db_password }}",
  "{{vault_secret}}",
  "%DB_PASSWORD%",
  "$(cat /run/secrets/db)",
  "#{password}",
  "example",
  "example.com-secret",
  "dummy",
  "dummy-token",
  "test",
  "test_password",
  "none",
  "None",
  "null",
  "nil",
  "true",
  "false",
  "undefined",
  "redacted",
  "REDACTED",
  "placeholder",
  "TODO",
  "AKIAIOSFODNN7EXAMPLE",
  "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  "'changeme'",
  `"${$}{TOKEN}"`,
];

const secrets = [
  "hunter22",
  "S3cr3t!pw",
  "password123",
  "mysecretpassword",
  "Tr0ub4dor&3",
  "admin123",
  "AKIA2E0A8F3B244C9986",
  "q8Zt0Vw2LrN4YpXc7KeHs1JmBd9UaFgT6RiOnQl5",
  "ghp_4Jx8tW2bQmK9zLr7Vn3cYp0sH6dFg1aE5uXo",
  "npm_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
  "1234",
  "p@ss",
  "testing-is-fun-2024",
];

describe("isPlaceholderSecret", () => {
  for (const value of placeholders) {
    it(`${JSON.stringify(value)} is a placeholder`, () => assert.equal(isPlaceholderSecret(value), true));
  }
  for (const value of secrets) {
    it(`${JSON.stringify(value)} is a secret`, () => assert.equal(isPlaceholderSecret(value), false));
  }
});
