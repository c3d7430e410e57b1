import { createCipheriv, createHash } from "node:crypto";
import type { OverlayChange } from "../../src/fs/overlay.js";
import { maskSecret } from "../../src/policy/rule.js";
import type { StoreCase } from "./credential-store-trees.js";
import { ALNUM, fakeToken } from "./keygen.js";

/**
 * Credential stores of system services (Jenkins, Postfix's SASL relay login, LDAP clients), each
 * failing tree beside trees holding none (empty, a placeholder, commented out): part of STORE_CASES.
 */

const password = "Zq8wLp3vNe";
const bindPassword = "b1nd-Pw7xK";
const system = (kind: string, tool: string) => `${kind} saved by ${tool} outside any home`;
const file = (content: string | Buffer): OverlayChange => ({ type: "file", content, mode: 0o600 });
const bytes = (seed: string, n: number) => createHash("sha512").update(seed).digest().subarray(0, n);

/** A hudson.util.Secret as Jenkins 2.x writes it: version 1, IV and ciphertext lengths, IV, AES-CBC ciphertext. */
function jenkinsSecret(plain: string): string {
  const iv = bytes("iv", 16);
  const cipher = createCipheriv("aes-128-cbc", bytes("key", 16), iv);
  const data = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  const header = Buffer.alloc(9);
  header.writeUInt8(1, 0);
  header.writeUInt32BE(iv.length, 1);
  header.writeUInt32BE(data.length, 5);
  return `{${Buffer.concat([header, iv, data]).toString("base64")}}`;
}
const jenkinsPassword = jenkinsSecret(password);
const jenkinsKey = jenkinsSecret("-----BEGIN OPENSSH PRIVATE KEY-----");
const inner = (s: string) => s.slice(1, -1);
const bcrypt = `$2a$10$${fakeToken("", 53, `${ALNUM}./`, 83)}`;
const initialAdmin = bytes("wizard", 16).toString("hex");

const usernamePassword = (value: string) =>
  `<?xml version='1.1' encoding='UTF-8'?>\n<com.cloudbees.plugins.credentials.SystemCredentialsProvider plugin="credentials@1311">\n  <domainCredentialsMap class="hudson.util.CopyOnWriteMap$Hash">\n    <entry>\n      <java.util.concurrent.CopyOnWriteArrayList>\n        <com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>\n          <id>deploy</id>\n          <username>deploy</username>\n          ${value}\n        </com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>\n      </java.util.concurrent.CopyOnWriteArrayList>\n    </entry>\n  </domainCredentialsMap>\n</com.cloudbees.plugins.credentials.SystemCredentialsProvider>\n`;

/**
 * A page shaped like a Berkeley DB hash file's (its magic at offset 12) whose items are the
 * NUL-terminated key and value postmap writes; the rest is binary filler.
 */
function compiledMap(pairs: Array<[string, string]>): Buffer {
  const page = Buffer.alloc(4096);
  bytes("filler", 64).copy(page, 64);
  page.writeUInt32LE(0x061561, 12);
  let at = page.length;
  for (const [k, v] of pairs)
    for (const s of [k, v]) {
      const item = Buffer.from(`${s}\0`, "latin1");
      at -= item.length;
      item.copy(page, at);
    }
  return page;
}

export const SYSTEM_STORE_CASES: readonly StoreCase[] = [
  {
    name: "Jenkins credentials.xml with an encrypted password",
    rule: "credential-in-config",
    failing: {
      "/var/lib/jenkins/credentials.xml": usernamePassword(`<password>${jenkinsPassword}</password>`),
    },
    finding: {
      path: "/var/lib/jenkins/credentials.xml",
      line: 9,
      message: system("Jenkins secret (encrypted with the instance's master.key: reversible)", "jenkins"),
      evidence: `password (encrypted, reversible with master.key) ${maskSecret(inner(jenkinsPassword), 0)}`,
    },
    passing: [
      {
        why: "an empty password, a placeholder, and a secret in an XML comment",
        changes: {
          "/var/lib/jenkins/credentials.xml": usernamePassword(
            `<password></password>\n<passphrase>{password}</passphrase>\n<!-- <password>${jenkinsPassword}</password> -->`,
          ),
        },
      },
    ],
    secrets: [inner(jenkinsPassword)],
  },
  {
    name: "Jenkins node's SSH key in a JENKINS_HOME found by its master.key",
    rule: "credential-in-config",
    failing: {
      "/srv/ci/secrets/master.key": file(bytes("master", 256).toString("hex")),
      "/srv/ci/secrets/hudson.util.Secret": file(bytes("hudson", 272)),
      "/srv/ci/nodes/builder/config.xml": `<?xml version='1.1' encoding='UTF-8'?>\n<slave>\n  <name>builder</name>\n  <privateKey>${jenkinsKey}</privateKey>\n</slave>\n`,
    },
    finding: {
      path: "/srv/ci/nodes/builder/config.xml",
      line: 4,
      message: system(
        "Jenkins secret (encrypted, and the master.key that decrypts it is in the image)",
        "jenkins",
      ),
      evidence: `privateKey (decryptable with the master.key in the image) ${maskSecret(inner(jenkinsKey), 0)}`,
    },
    passing: [
      {
        why: "a node configured with a credentials id only",
        changes: {
          "/srv/ci/secrets/master.key": file(bytes("master", 256).toString("hex")),
          "/srv/ci/nodes/builder/config.xml":
            "<slave>\n  <credentialsId>builder-key</credentialsId>\n</slave>\n",
        },
      },
    ],
    secrets: [inner(jenkinsKey)],
  },
  {
    name: "Jenkins user's login hash in its own user database",
    rule: "credential-in-config",
    failing: {
      "/var/lib/jenkins/users/admin_1234/config.xml": `<?xml version='1.1' encoding='UTF-8'?>\n<user>\n  <id>admin</id>\n  <properties>\n    <hudson.security.HudsonPrivateSecurityRealm_-Details>\n      <passwordHash>#jbcrypt:${bcrypt}</passwordHash>\n    </hudson.security.HudsonPrivateSecurityRealm_-Details>\n  </properties>\n</user>\n`,
    },
    finding: {
      path: "/var/lib/jenkins/users/admin_1234/config.xml",
      line: 6,
      message: system("Jenkins user's password hash or API token", "jenkins"),
      evidence: `passwordHash (bcrypt) ${maskSecret(bcrypt, 0)}`,
    },
    passing: [
      {
        why: "a user with a hashed API token only (not reversible) and no password",
        changes: {
          "/var/lib/jenkins/users/sso_1/config.xml": `<user>\n  <id>sso</id>\n  <tokenHash>${bytes("token", 32).toString("hex")}</tokenHash>\n</user>\n`,
        },
      },
    ],
    secrets: [bcrypt],
  },
  {
    name: "Jenkins setup wizard's admin password left in the image",
    rule: "credential-in-config",
    failing: {
      "/var/jenkins_home/secrets/master.key": file(bytes("master2", 256).toString("hex")),
      "/var/jenkins_home/secrets/initialAdminPassword": file(`${initialAdmin}\n`),
    },
    finding: {
      path: "/var/jenkins_home/secrets/initialAdminPassword",
      line: 1,
      message: system("Jenkins initial admin password", "jenkins"),
      evidence: `initialAdminPassword ${maskSecret(initialAdmin, 0)}`,
    },
    passing: [
      {
        why: "an empty file",
        changes: { "/var/jenkins_home/secrets/initialAdminPassword": file("") },
      },
    ],
    secrets: [initialAdmin],
  },
  {
    name: "Postfix sasl_passwd relay login",
    rule: "credential-in-config",
    failing: {
      "/etc/postfix/sasl_passwd": `# relay\n[smtp.mailgun.org]:587 alerts@mg.shop.io:${password}\n`,
    },
    finding: {
      path: "/etc/postfix/sasl_passwd",
      line: 2,
      message: system("SMTP relay password (sasl_passwd)", "postfix"),
      evidence: `password of alerts@mg.shop.io for [smtp.mailgun.org]:587 ${maskSecret(password, 0)}`,
    },
    passing: [
      {
        why: "commented out",
        changes: { "/etc/postfix/sasl_passwd": `#[smtp.mailgun.org]:587 alerts:${password}\n` },
      },
      {
        why: "an empty password",
        changes: { "/etc/postfix/sasl_passwd": "[smtp.mailgun.org]:587 alerts:\n" },
      },
      {
        why: "a placeholder",
        changes: { "/etc/postfix/sasl/sasl_passwd": "[smtp.gmail.com]:587 username:password\n" },
      },
    ],
    secrets: [password],
  },
  {
    name: "Postfix compiled map a postmulti instance's main.cf names, its source deleted",
    rule: "credential-in-config",
    failing: {
      "/etc/postfix-out/main.cf": `relayhost = [smtp.mailgun.org]:587\nsmtp_sasl_auth_enable = yes\nsmtp_sasl_password_maps =\n    hash:$config_directory/relay_auth\n`,
      "/etc/postfix-out/relay_auth.db": file(compiledMap([["[smtp.mailgun.org]:587", `alerts:${password}`]])),
    },
    finding: {
      path: "/etc/postfix-out/relay_auth.db",
      message: system("SMTP relay password (compiled sasl_passwd map)", "postfix"),
      evidence: `password of alerts (compiled map) ${maskSecret(password, 0)}`,
    },
    passing: [
      {
        why: "a compiled map of an empty table",
        changes: {
          "/etc/postfix-out/main.cf": "smtp_sasl_password_maps = hash:/etc/postfix-out/relay_auth\n",
          "/etc/postfix-out/relay_auth.db": file(compiledMap([])),
          "/etc/postfix/sasl/sasl_passwd.db": file(compiledMap([["[smtp.a.io]:587", "user:changeme"]])),
        },
      },
    ],
    secrets: [password],
  },
  {
    name: "Postfix static relay password in main.cf",
    rule: "credential-in-config",
    failing: {
      "/etc/postfix/main.cf": `myhostname = shop\nsmtp_sasl_password_maps = static:alerts:${password}\n`,
    },
    finding: {
      path: "/etc/postfix/main.cf",
      line: 2,
      message: system("SMTP relay password (static map in main.cf)", "postfix"),
      evidence: `smtp_sasl_password_maps static password of alerts ${maskSecret(password, 0)}`,
    },
    passing: [
      {
        why: "commented out, then a table",
        changes: {
          "/etc/postfix/main.cf": `#smtp_sasl_password_maps = static:alerts:${password}\nsmtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd\n`,
        },
      },
    ],
    secrets: [password],
  },
  {
    name: "nslcd bindpw",
    rule: "credential-in-config",
    failing: {
      "/etc/nslcd.conf": `uid nslcd\ngid nslcd\nuri ldap://ldap.shop.io/\nbase dc=shop,dc=io\nbinddn cn=nslcd,dc=shop,dc=io\nbindpw ${bindPassword}\n`,
    },
    finding: {
      path: "/etc/nslcd.conf",
      line: 6,
      message: system("LDAP bind password", "nslcd"),
      evidence: `bindpw ${maskSecret(bindPassword, 0)}`,
    },
    passing: [
      {
        why: "the packaged file's commented-out example",
        changes: { "/etc/nslcd.conf": "uid nslcd\n#binddn cn=proxyuser,dc=example,dc=com\n#bindpw secret\n" },
      },
      { why: "a placeholder", changes: { "/etc/nslcd.conf": "bindpw changeme\n" } },
    ],
    secrets: [bindPassword],
  },
  {
    name: "pam_ldap rootbinddn password in /etc/ldap.secret",
    rule: "credential-in-config",
    failing: {
      "/etc/ldap.conf": "base dc=shop,dc=io\nuri ldap://ldap.shop.io/\nrootbinddn cn=admin,dc=shop,dc=io\n",
      "/etc/ldap.secret": file(`${bindPassword}\n`),
    },
    finding: {
      path: "/etc/ldap.secret",
      line: 1,
      message: system("LDAP rootbinddn password file", "nss_ldap/pam_ldap"),
      evidence: `rootbinddn password ${maskSecret(bindPassword, 0)}`,
    },
    passing: [{ why: "an empty secret file", changes: { "/etc/ldap.secret": file("\n") } }],
    secrets: [bindPassword],
  },
  {
    name: "libnss-ldap bindpw",
    rule: "credential-in-config",
    failing: { "/etc/libnss-ldap.conf": `base dc=shop,dc=io\nBINDPW ${bindPassword}\n` },
    finding: {
      path: "/etc/libnss-ldap.conf",
      line: 2,
      message: system("LDAP bind password", "nss_ldap/pam_ldap"),
      evidence: `bindpw ${maskSecret(bindPassword, 0)}`,
    },
    passing: [{ why: "commented out", changes: { "/etc/libnss-ldap.conf": `#bindpw ${bindPassword}\n` } }],
    secrets: [bindPassword],
  },
  {
    name: "sssd ldap_default_authtok (obfuscated)",
    rule: "credential-in-config",
    failing: {
      "/etc/sssd/sssd.conf": file(
        `[sssd]\ndomains = shop\n\n[domain/shop]\nid_provider = ldap\nldap_default_bind_dn = cn=sssd,dc=shop,dc=io\nldap_default_authtok_type = obfuscated_password\nldap_default_authtok = AAAQAA${bindPassword}Qx9\n`,
      ),
    },
    finding: {
      path: "/etc/sssd/sssd.conf",
      line: 8,
      message: system("LDAP bind password", "sssd"),
      evidence: `ldap_default_authtok (obfuscated, reversible) ${maskSecret(`AAAQAA${bindPassword}Qx9`, 0)}`,
    },
    passing: [
      {
        why: "a domain that binds with a keytab, and an empty authtok in a drop-in",
        changes: {
          "/etc/sssd/sssd.conf": file("[domain/shop]\nid_provider = ad\n# ldap_default_authtok = old\n"),
          "/etc/sssd/conf.d/10-ldap.conf": file("[domain/shop]\nldap_default_authtok =\n"),
        },
      },
    ],
    secrets: [`AAAQAA${bindPassword}Qx9`],
  },
];
