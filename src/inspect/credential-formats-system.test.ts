import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  isJenkinsSecret,
  parseCompiledSaslMap,
  parseJenkinsInitialAdminPassword,
  parseJenkinsPasswordHashes,
  parseJenkinsXml,
  parseLdapClientConf,
  parseLdapSecretFile,
  parsePostfixMainCf,
  parsePostfixSaslPasswd,
  parseSssdConf,
} from "./credential-formats-system.js";

const fields = (hits: ReturnType<typeof parseLdapClientConf>) => hits.map((h) => [h.field, h.value, h.line]);
const secret = "{AQAAABAAAAAgq1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c2v3b4n5m6==}";

describe("system service credential formats", () => {
  it("Jenkins: encrypted Secrets in any element, outside comments; legacy and placeholder braces are not", () => {
    assert.ok(isJenkinsSecret(secret));
    assert.ok(!isJenkinsSecret("{password}"));
    assert.ok(!isJenkinsSecret("{AQAAAB}"));
    const xml = `<a>\n  <password>${secret}</password>\n  <!-- <secret>${secret}</secret> -->\n  <apiToken>\n${secret}\n</apiToken>\n  <id>{AQAAAB-not-base64}</id>\n</a>\n`;
    assert.deepEqual(fields(parseJenkinsXml(xml, false)), [
      ["password (encrypted, reversible with master.key)", secret.slice(1, -1), 2],
      ["apiToken (encrypted, reversible with master.key)", secret.slice(1, -1), 4],
    ]);
    assert.match(parseJenkinsXml(xml, true)[0]!.field, /master\.key in the image/);
  });

  it("Jenkins: a user's bcrypt login hash and the setup wizard's admin password; other shapes are not", () => {
    const hash = `$2a$10$${"a".repeat(53)}`;
    assert.deepEqual(
      fields(
        parseJenkinsPasswordHashes(
          `<u>\n<passwordHash>#jbcrypt:${hash}</passwordHash>\n<passwordHash>#jbcrypt:short</passwordHash>\n</u>`,
        ),
      ),
      [["passwordHash (bcrypt)", hash, 2]],
    );
    assert.deepEqual(fields(parseJenkinsInitialAdminPassword(`${"0f".repeat(16)}\n`)), [
      ["initialAdminPassword", "0f".repeat(16), 1],
    ]);
    assert.deepEqual(parseJenkinsInitialAdminPassword("not a wizard password\n"), []);
  });

  it("Postfix sasl_passwd: relay and sender keys, continuation lines, colons in the password; empty and comments are not", () => {
    const text = [
      "# [smtp.example.com]:587 user:pw",
      "[smtp.a.io]:587 alerts@a.io:p:w:1",
      "sender@shop.io bob:",
      "  Pw2",
      "[smtp.b.io] carol:",
      "noseparator value",
    ].join("\n");
    assert.deepEqual(fields(parsePostfixSaslPasswd(text)), [
      ["password of alerts@a.io for [smtp.a.io]:587", "p:w:1", 2],
      ["password of bob for sender@shop.io", "Pw2", 3],
    ]);
  });

  it("Postfix compiled map: user:password items among binary runs; relay keys are not values", () => {
    const page = Buffer.concat([
      Buffer.from([0, 0, 0x61, 0x15, 6, 0, 0xff, 0x10]),
      Buffer.from("[smtp.a.io]:587\0alerts:Live-1\0smtp.b.io:25\0bob:Live-2\0", "latin1"),
    ]).toString("latin1");
    assert.deepEqual(
      parseCompiledSaslMap(page).map((h) => [h.field, h.value]),
      [
        ["password of alerts (compiled map)", "Live-1"],
        ["password of bob (compiled map)", "Live-2"],
      ],
    );
  });

  it("Postfix main.cf: tables named by smtp/lmtp_sasl_password_maps with their compiled files, static passwords inline", () => {
    const text = [
      "#smtp_sasl_password_maps = static:old:Old-1",
      "smtp_sasl_password_maps = hash:/etc/postfix/nope",
      "smtp_sasl_password_maps = hash:$config_directory/sasl_passwd,",
      `    lmdb:\${config_directory}/other texthash:/etc/postfix/plain static:{ann:Live 3}`,
      "lmtp_sasl_password_maps = proxy:mysql:/etc/postfix/m.cf cdb:relative",
      "relayhost = [smtp.a.io]:587",
    ].join("\n");
    const maps = parsePostfixMainCf(text, "/etc/postfix");
    assert.deepEqual(maps.files, [
      "/etc/postfix/sasl_passwd",
      "/etc/postfix/sasl_passwd.db",
      "/etc/postfix/other",
      "/etc/postfix/other.lmdb",
      "/etc/postfix/plain",
    ]);
    assert.deepEqual(fields(maps.inline), [["smtp_sasl_password_maps static password of ann", "Live 3", 3]]);
  });

  it("LDAP clients: bindpw and rootpwmodpw (rest of the line, any case), the .secret file's first line, sssd's authtok", () => {
    assert.deepEqual(
      fields(parseLdapClientConf("#bindpw secret\nBindPW  two words \nrootpwmodpw R00t\nbindpw\n")),
      [
        ["bindpw", "two words", 2],
        ["rootpwmodpw", "R00t", 3],
      ],
    );
    assert.deepEqual(fields(parseLdapSecretFile("Live-4\r\n")), [["rootbinddn password", "Live-4", 1]]);
    assert.deepEqual(parseLdapSecretFile("\n"), []);
    assert.deepEqual(
      fields(parseSssdConf("[domain/a]\n; ldap_default_authtok = old\nldap_default_authtok = Live-5\n")),
      [["ldap_default_authtok", "Live-5", 3]],
    );
    assert.match(
      parseSssdConf(
        "[domain/a]\nldap_default_authtok_type = obfuscated_password\nldap_default_authtok = AAAQ\n",
      )[0]!.field,
      /obfuscated, reversible/,
    );
  });
});
