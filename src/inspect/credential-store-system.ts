/**
 * System services that keep a password beside their settings — Jenkins, Postfix's SASL relay
 * login, LDAP clients' bind passwords — as entries of the credential store table, and the stores
 * found from what is on disk: every JENKINS_HOME (known places, and wherever a credentials.xml or
 * a secrets/master.key lies), and the maps Postfix's main.cf names. None is removable: the seller
 * edits the secret out (credential-in-config).
 */
import type { InspectContext } from "./context.js";
import type { SecretHit } from "./credential-formats.js";
import {
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
import type { StoreParser, StoreSpec } from "./credential-store-table.js";
import type { FileIndex, IndexedFile } from "./files.js";
import { readOptionalText } from "./text-files.js";

const text =
  (parse: (text: string) => SecretHit[]): StoreParser =>
  ({ text: t }) =>
    parse(t);

const POSTFIX_DIR = "/etc/postfix";
/** Where Postfix's documentation (and Debian's) puts the SASL relay table. */
const SASL_PASSWD_SOURCES = [`${POSTFIX_DIR}/sasl_passwd`, `${POSTFIX_DIR}/sasl/sasl_passwd`];

export const POSTFIX_SASL_SPEC: StoreSpec = {
  tool: "postfix",
  kind: "SMTP relay password (sasl_passwd)",
  system: SASL_PASSWD_SOURCES,
  removable: false,
  parse: text(parsePostfixSaslPasswd),
};

/** A compiled map holds the source's passwords in clear, and stays when the source is deleted. */
export const POSTFIX_COMPILED_SASL_SPEC: StoreSpec = {
  tool: "postfix",
  kind: "SMTP relay password (compiled sasl_passwd map)",
  system: SASL_PASSWD_SOURCES.flatMap((s) => [`${s}.db`, `${s}.lmdb`, `${s}.cdb`]),
  removable: false,
  binary: true,
  parse: text(parseCompiledSaslMap),
};

/** `static:user:password` written into main.cf itself. */
const POSTFIX_MAIN_CF_SPEC: StoreSpec = {
  tool: "postfix",
  kind: "SMTP relay password (static map in main.cf)",
  system: [`${POSTFIX_DIR}/main.cf`, "/etc/postfix-*/main.cf"],
  removable: false,
  parse: ({ text: t }) => parsePostfixMainCf(t, POSTFIX_DIR).inline,
};

export const SYSTEM_SERVICE_SPECS: readonly StoreSpec[] = [
  POSTFIX_SASL_SPEC,
  POSTFIX_COMPILED_SASL_SPEC,
  POSTFIX_MAIN_CF_SPEC,
  {
    tool: "nslcd",
    kind: "LDAP bind password",
    system: ["/etc/nslcd.conf", "/etc/nss-ldapd.conf"],
    removable: false,
    parse: text(parseLdapClientConf),
  },
  {
    tool: "nss_ldap/pam_ldap",
    kind: "LDAP bind password",
    system: ["/etc/ldap.conf", "/etc/libnss-ldap.conf", "/etc/pam_ldap.conf"],
    removable: false,
    parse: text(parseLdapClientConf),
  },
  {
    tool: "nss_ldap/pam_ldap",
    kind: "LDAP rootbinddn password file",
    system: ["/etc/ldap.secret", "/etc/libnss-ldap.secret", "/etc/pam_ldap.secret"],
    removable: false,
    parse: text(parseLdapSecretFile),
  },
  {
    tool: "sssd",
    kind: "LDAP bind password",
    system: ["/etc/sssd/sssd.conf", "/etc/sssd/conf.d/*.conf"],
    removable: false,
    parse: text(parseSssdConf),
  },
];

/** Where Jenkins' packages and images keep JENKINS_HOME. */
const JENKINS_HOMES = ["/var/lib/jenkins", "/var/jenkins_home"];
/** Configuration files under a JENKINS_HOME that hold Secrets: the instance's and plugins' XML, nodes', users' and (nested) jobs'. */
const JENKINS_CONFIG = /^(?:[^/]+\.xml|nodes\/[^/]+\/config\.xml|(?:jobs\/[^/]+\/)+config\.xml)$/;
const JENKINS_USER_CONFIG = /^users\/[^/]+\/config\.xml$/;
const MAX_JENKINS_FILES = 2_000;
/** A JENKINS_HOME is found per credentials.xml or master.key: an image with thousands is not one. */
const MAX_JENKINS_HOMES = 64;

function jenkinsSpec(keyBeside: boolean): StoreSpec {
  return {
    tool: "jenkins",
    kind: keyBeside
      ? "Jenkins secret (encrypted, and the master.key that decrypts it is in the image)"
      : "Jenkins secret (encrypted with the instance's master.key: reversible)",
    removable: false,
    parse: text((t) => parseJenkinsXml(t, keyBeside)),
  };
}

/** users/NAME/config.xml of Jenkins' own user database: the login's bcrypt hash, an encrypted legacy API token. */
function jenkinsUserSpec(keyBeside: boolean): StoreSpec {
  return {
    tool: "jenkins",
    kind: "Jenkins user's password hash or API token",
    removable: false,
    parse: text((t) => [...parseJenkinsPasswordHashes(t), ...parseJenkinsXml(t, keyBeside)]),
  };
}

/**
 * The setup wizard's admin password, in clear; Jenkins deletes it when the wizard completes, so one
 * left in an image logs in as admin on every instance.
 */
const JENKINS_INITIAL_ADMIN_SPEC: StoreSpec = {
  tool: "jenkins",
  kind: "Jenkins initial admin password",
  removable: false,
  parse: text(parseJenkinsInitialAdminPassword),
};

/** Jenkins' configuration files in every JENKINS_HOME the file list shows. */
function jenkinsStores(index: FileIndex): Array<[string, StoreSpec]> {
  const isConfigFile = (e: IndexedFile | undefined) =>
    e !== undefined && e.type === "file" && !e.path.startsWith("/usr/share/doc/");
  const homes = new Set(JENKINS_HOMES);
  for (const e of index.select((v) => v.name === "credentials.xml" || v.name === "master.key")) {
    if (!isConfigFile(e)) continue;
    if (e.path.endsWith("/credentials.xml")) homes.add(e.path.slice(0, -"/credentials.xml".length));
    else if (e.path.endsWith("/secrets/master.key"))
      homes.add(e.path.slice(0, -"/secrets/master.key".length));
  }
  const homeList = [...homes].slice(0, MAX_JENKINS_HOMES).filter((home) => home !== "");
  // The files under any home, in walk order: a second pass keeps only these, not every path.
  const files: string[] = [];
  const under = homeList.map((home) => `${home}/`);
  const inAHome = (dir: string) => homeList.includes(dir) || under.some((prefix) => dir.startsWith(prefix));
  for (const e of index.select((v) => v.type === "file" && inAHome(v.dir)))
    if (isConfigFile(e) && homeList.some((home) => e.path.startsWith(`${home}/`))) files.push(e.path);
  const out: Array<[string, StoreSpec]> = [];
  for (const home of homeList) {
    const keyBeside =
      isConfigFile(index.get(`${home}/secrets/master.key`)) &&
      isConfigFile(index.get(`${home}/secrets/hudson.util.Secret`));
    const spec = jenkinsSpec(keyBeside);
    const userSpec = jenkinsUserSpec(keyBeside);
    for (const path of files) {
      if (!path.startsWith(`${home}/`) || out.length >= MAX_JENKINS_FILES) continue;
      const rel = path.slice(home.length + 1);
      if (rel === "secrets/initialAdminPassword") out.push([path, JENKINS_INITIAL_ADMIN_SPEC]);
      else if (JENKINS_USER_CONFIG.test(rel)) out.push([path, userSpec]);
      else if (JENKINS_CONFIG.test(rel)) out.push([path, spec]);
    }
  }
  return out;
}

/** postmulti's secondary instances keep their configuration in /etc/postfix-NAME. */
const POSTFIX_INSTANCE_MAIN_CF = /^\/etc\/postfix-[^/]+\/main\.cf$/;
const MAX_POSTFIX_INSTANCES = 64;

/** The tables each instance's main.cf names in smtp_sasl_password_maps, beyond the usual places. */
async function postfixNamedMaps(ctx: InspectContext, index: FileIndex): Promise<Array<[string, StoreSpec]>> {
  const mainCfs = [`${POSTFIX_DIR}/main.cf`];
  for (const e of index.select((v) => v.name === "main.cf")) {
    if (mainCfs.length > MAX_POSTFIX_INSTANCES) break;
    if (e.type === "file" && POSTFIX_INSTANCE_MAIN_CF.test(e.path)) mainCfs.push(e.path);
  }
  const out: Array<[string, StoreSpec]> = [];
  for (const mainCf of mainCfs) {
    const text = await readOptionalText(ctx, mainCf);
    if (text === undefined) continue;
    const configDirectory = mainCf.slice(0, -"/main.cf".length);
    for (const file of parsePostfixMainCf(text, configDirectory).files)
      out.push([file, /\.(?:db|lmdb|cdb|pag)$/.test(file) ? POSTFIX_COMPILED_SASL_SPEC : POSTFIX_SASL_SPEC]);
  }
  return out;
}

/** Stores found from what the image holds rather than from fixed paths. */
export async function discoveredSystemStores(ctx: InspectContext): Promise<Array<[string, StoreSpec]>> {
  const files = await ctx.get("files");
  return [...jenkinsStores(files), ...(await postfixNamedMaps(ctx, files))];
}

/** What the discovery reads, for the inspector's declaration. */
export const DISCOVERED_SYSTEM_PATHS = [
  ...JENKINS_HOMES.map((h) => `${h}/**`),
  "/**/credentials.xml",
  "/**/secrets/master.key",
  "/**/secrets/initialAdminPassword",
  "/etc/postfix-*/**",
];
