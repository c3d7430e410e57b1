/**
 * The credential stores real tools write, as data: where each lives (relative to a home, or
 * system-wide), what it holds, how to read it, and whether `fix` removes it. `removable` is the
 * one answer both sides use: the scan reports removable stores as fixable (rule credential-store)
 * and the cloud-credentials fix operation removes exactly those; stores that are configuration
 * with settings beside the secret are reported for the seller to edit (rule credential-in-config).
 */
import type * as Yaml from "yaml";
import {
  type KeyValueFormat,
  parseFetchmail,
  parseHtpasswd,
  parseKeyValues,
  parseMavenSettings,
  parseMongoScript,
  parseMsmtp,
  parseNetrc,
  parseOpaque,
  parsePgpass,
  parseUrlCredentials,
  parseWholeFile,
  type SecretHit,
} from "./credential-formats.js";
import { parseFileZillaServers } from "./credential-formats-services.js";
import {
  parseAwsCache,
  parseAzureTokens,
  parseComposerAuth,
  parseDockerAuths,
  parseGcloudDatabase,
  parseGhHosts,
  parseGoogleCredentials,
  parseHelmRepositories,
  parseKubeconfig,
  parseTerraformCredentials,
} from "./credential-formats-structured.js";
import { SERVICE_SPECS } from "./credential-store-services.js";
import { SYSTEM_SERVICE_SPECS } from "./credential-store-system.js";

export interface StoreFile {
  /** The file's text (latin1 for binary stores, utf8 otherwise). */
  text: string;
  /** The file's bytes, for stores that are databases. */
  raw: Buffer;
  bytes: number;
  /** The home the store was found in, for paths written relative to it (`~/.oci/key.pem`). */
  home: string | undefined;
  yaml: () => Promise<typeof Yaml>;
  /** Whether a regular file exists at an image path. */
  fileExists: (path: string) => Promise<boolean>;
}

export type StoreParser = (file: StoreFile) => SecretHit[] | Promise<SecretHit[]>;

export interface StoreSpec {
  tool: string;
  /** What a finding calls it: "docker registry auth". */
  kind: string;
  /** Paths relative to every home; `*` in a component matches any run of characters in one name. */
  home?: readonly string[];
  /** Image-absolute paths outside homes; `*` in a component matches any run of characters in one name. */
  system?: readonly string[];
  /** File names that are this store wherever they are (outside documentation): services run from anywhere. */
  names?: RegExp;
  /** The file is the tool's saved login and nothing else worth keeping: `fix` removes it. */
  removable: boolean;
  /** Long-lived cloud keys are critical, like aws-credentials; others take the rule's severity. */
  severity?: "critical";
  /** Read as bytes (latin1) rather than UTF-8 text. */
  binary?: boolean;
  parse: StoreParser;
}

const ini = (keys: RegExp, extra: Partial<KeyValueFormat> = {}): StoreParser => {
  const format: KeyValueFormat = {
    isSecretKey: (k) => keys.test(k),
    separators: /\s*[=:]\s*/,
    comments: ["#", ";"],
    inlineComments: true,
    ...extra,
  };
  return ({ text }) => parseKeyValues(text, format);
};

const text =
  (parse: (text: string) => SecretHit[]): StoreParser =>
  ({ text: t }) =>
    parse(t);

/** A store whose bytes are the secret in a binary or encrypted form: any content counts. */
const opaque =
  (field: string): StoreParser =>
  ({ text: t, bytes }) =>
    parseOpaque(field)(t, bytes);

const AWS_KEYS = /^(?:aws_secret_access_key|aws_session_token|aws_security_token)$/i;
const BOTO_KEYS =
  /^(?:aws_secret_access_key|gs_secret_access_key|gs_oauth2_refresh_token|gs_service_key_file_password)$/i;

/** OCI CLI config: a profile's key_file (when the key is there), security_token_file, pass_phrase. */
const parseOciConfig: StoreParser = async (file) => {
  const hits: SecretHit[] = [];
  for (const h of parseKeyValues(file.text, {
    isSecretKey: (k) => /^(?:key_file|security_token_file|pass_phrase)$/.test(k),
    separators: /\s*=\s*/,
    comments: ["#"],
  })) {
    if (h.field === "pass_phrase") hits.push(h);
    else {
      const path = h.value.startsWith("~/") && file.home ? `${file.home}/${h.value.slice(2)}` : h.value;
      if (path.startsWith("/") && (await file.fileExists(path)))
        hits.push({ ...h, evidence: `${h.field} ${h.value} (present in the image)` });
    }
  }
  return hits;
};

/** .npmrc: `_authToken`, `_auth`, `_password` (alone or scoped `//registry/:_authToken`), and URLs with a password. */
const parseNpmrc: StoreParser = ({ text: t }) => [
  ...parseKeyValues(t, {
    isSecretKey: (k) => /(?:^|:)_(?:authToken|auth|password)$/.test(k),
    separators: /\s*=\s*/,
    comments: ["#", ";"],
  }),
  ...parseUrlCredentials(t, ["#", ";"]),
];

/** The legacy ~/.dockercfg: the registries map at the top level. */
const parseDockercfg: StoreParser = ({ text: t }) => {
  const wrapped = `{"auths":${t}}`;
  return parseDockerAuths(wrapped).map((h) => ({ ...h, line: 1 }));
};

const yamlParser =
  (parse: (text: string, yaml: () => Promise<typeof Yaml>) => Promise<SecretHit[]>): StoreParser =>
  ({ text: t, yaml }) =>
    parse(t, yaml);

/** Kubeconfigs kubeadm, k3s and RKE2 write for the cluster's own components and its admin. */
const CLUSTER_KUBECONFIGS = [
  "/etc/kubernetes/admin.conf",
  "/etc/kubernetes/super-admin.conf",
  "/etc/kubernetes/kubelet.conf",
  "/etc/kubernetes/controller-manager.conf",
  "/etc/kubernetes/scheduler.conf",
  "/etc/rancher/k3s/k3s.yaml",
  "/etc/rancher/rke2/rke2.yaml",
];

export const STORE_SPECS: readonly StoreSpec[] = [
  // Cloud CLIs.
  {
    tool: "aws",
    kind: "AWS access keys",
    home: [".aws/credentials"],
    removable: true,
    severity: "critical",
    parse: ini(AWS_KEYS),
  },
  {
    tool: "aws",
    kind: "AWS access keys in the CLI configuration",
    home: [".aws/config"],
    removable: false,
    severity: "critical",
    parse: ini(AWS_KEYS),
  },
  {
    tool: "aws",
    kind: "AWS SSO token cache",
    home: [".aws/sso/cache/*"],
    removable: true,
    parse: text(parseAwsCache),
  },
  {
    tool: "aws",
    kind: "AWS CLI temporary credentials cache",
    home: [".aws/cli/cache/*"],
    removable: true,
    parse: text(parseAwsCache),
  },
  {
    tool: "s3cmd",
    kind: "s3cmd access keys",
    home: [".s3cfg"],
    removable: true,
    severity: "critical",
    parse: ini(/^(?:secret_key|access_token)$/),
  },
  {
    tool: "boto",
    kind: "boto credentials",
    home: [".boto", ".config/gcloud/legacy_credentials/*/.boto"],
    removable: true,
    parse: ini(BOTO_KEYS),
  },
  {
    tool: "gcloud",
    kind: "gcloud credential database",
    home: [".config/gcloud/credentials.db", ".config/gcloud/access_tokens.db"],
    removable: true,
    parse: ({ raw }) => parseGcloudDatabase(raw),
  },
  {
    tool: "gcloud",
    kind: "Google application default credentials",
    home: [
      ".config/gcloud/application_default_credentials.json",
      ".config/gcloud/legacy_credentials/*/adc.json",
    ],
    removable: true,
    parse: text(parseGoogleCredentials),
  },
  {
    tool: "azure",
    kind: "Azure CLI tokens",
    home: [".azure/accessTokens.json", ".azure/msal_token_cache.json"],
    removable: true,
    parse: text(parseAzureTokens),
  },
  {
    tool: "azure",
    kind: "Azure CLI service principal secret",
    home: [".azure/service_principal_entries.json"],
    removable: true,
    parse: text(parseAzureTokens),
  },
  {
    tool: "azure",
    kind: "Azure CLI encrypted token cache",
    home: [".azure/msal_token_cache.bin", ".azure/service_principal_entries.bin"],
    removable: true,
    binary: true,
    parse: opaque("encrypted token cache"),
  },
  {
    tool: "oci",
    kind: "OCI API signing key configuration",
    home: [".oci/config"],
    removable: true,
    parse: parseOciConfig,
  },
  // Containers and clusters.
  {
    tool: "docker",
    kind: "docker registry auth",
    home: [".docker/config.json"],
    removable: true,
    parse: text(parseDockerAuths),
  },
  {
    tool: "docker",
    kind: "docker registry auth (legacy .dockercfg)",
    home: [".dockercfg"],
    removable: true,
    parse: parseDockercfg,
  },
  {
    tool: "podman",
    kind: "container registry auth",
    home: [".config/containers/auth.json"],
    system: ["/run/containers/*/auth.json", "/run/user/*/containers/auth.json"],
    removable: true,
    parse: text(parseDockerAuths),
  },
  {
    tool: "containers",
    kind: "system-wide container registry auth",
    system: ["/etc/containers/auth.json", "/var/lib/kubelet/config.json"],
    removable: false,
    parse: text(parseDockerAuths),
  },
  {
    tool: "kubectl",
    kind: "kubeconfig credentials",
    home: [".kube/config"],
    removable: true,
    parse: yamlParser(parseKubeconfig),
  },
  {
    tool: "kubernetes",
    kind: "cluster kubeconfig credentials",
    system: CLUSTER_KUBECONFIGS,
    removable: false,
    parse: yamlParser(parseKubeconfig),
  },
  {
    tool: "helm",
    kind: "helm repository password",
    home: [".config/helm/repositories.yaml"],
    removable: false,
    parse: yamlParser(parseHelmRepositories),
  },
  // Version control and package managers.
  {
    tool: "git",
    kind: "git credential store",
    home: [".git-credentials", ".config/git/credentials"],
    removable: true,
    parse: text((t) => parseUrlCredentials(t)),
  },
  {
    tool: "npm",
    kind: "npm registry credentials",
    home: [".npmrc"],
    system: ["/etc/npmrc", "/usr/local/etc/npmrc"],
    removable: false,
    parse: parseNpmrc,
  },
  {
    tool: "pypi",
    kind: "PyPI upload password",
    home: [".pypirc"],
    removable: true,
    parse: ini(/^password$/),
  },
  {
    tool: "pip",
    kind: "package index URL with a password",
    home: [".pip/pip.conf", ".config/pip/pip.conf"],
    system: ["/etc/pip.conf", "/etc/xdg/pip/pip.conf"],
    removable: false,
    parse: text((t) => parseUrlCredentials(t, ["#", ";"])),
  },
  {
    tool: "maven",
    kind: "Maven server password",
    home: [".m2/settings.xml"],
    system: ["/etc/maven/settings.xml"],
    removable: false,
    parse: text(parseMavenSettings),
  },
  {
    tool: "gradle",
    kind: "Gradle property secret",
    home: [".gradle/gradle.properties"],
    removable: false,
    parse: ini(/(?:password|passwd|pwd|secret|token|api[._-]?key|access[._-]?key)$/i, {
      separators: /\s*[=:]\s*|\s+/,
      comments: ["#", "!"],
      inlineComments: false,
    }),
  },
  {
    tool: "composer",
    kind: "Composer auth",
    home: [".composer/auth.json", ".config/composer/auth.json"],
    removable: true,
    parse: text(parseComposerAuth),
  },
  {
    tool: "cargo",
    kind: "Cargo registry token",
    home: [".cargo/credentials", ".cargo/credentials.toml"],
    removable: true,
    parse: ini(/^token$/, { separators: /\s*=\s*/ }),
  },
  {
    tool: "terraform",
    kind: "Terraform API token",
    home: [".terraform.d/credentials.tfrc.json"],
    removable: true,
    parse: text(parseTerraformCredentials),
  },
  {
    tool: "gh",
    kind: "GitHub CLI token",
    home: [".config/gh/hosts.yml"],
    removable: true,
    parse: yamlParser(parseGhHosts),
  },
  {
    tool: "vault",
    kind: "Vault token",
    home: [".vault-token"],
    removable: true,
    parse: text(parseWholeFile("token")),
  },
  // Remote desktops.
  {
    // vncpasswd's output (TigerVNC, TightVNC): the password DES-encrypted with a key every VNC
    // program knows, so anyone with the image reads it; every instance would share it.
    tool: "vncpasswd",
    kind: "VNC password (encrypted with a published key: reversible)",
    home: [".vnc/passwd", ".config/tigervnc/passwd"],
    system: ["/etc/vnc/passwd", "/etc/tigervnc/passwd"],
    removable: true,
    binary: true,
    parse: opaque("VNC password"),
  },
  {
    // The servers connected to lately, each with its password: a history, nothing to keep.
    tool: "FileZilla",
    kind: "recent FTP/SFTP servers with passwords (base64, not encrypted)",
    home: [".config/filezilla/recentservers.xml", ".filezilla/recentservers.xml"],
    system: ["/Users/*/AppData/Roaming/FileZilla/recentservers.xml"],
    removable: true,
    parse: text(parseFileZillaServers),
  },
  // Database clients.
  {
    tool: "mysql",
    kind: "MySQL client password",
    home: [".my.cnf"],
    system: ["/etc/mysql/debian.cnf", "/etc/mysql/my.cnf", "/etc/my.cnf"],
    removable: false,
    parse: ini(/^(?:password|passwd|pass)$/),
  },
  {
    tool: "mysql",
    kind: "MySQL login path file (obfuscated, not encrypted)",
    home: [".mylogin.cnf"],
    removable: true,
    binary: true,
    parse: opaque("obfuscated login paths"),
  },
  {
    tool: "postgres",
    kind: "PostgreSQL password file",
    home: [".pgpass"],
    removable: true,
    parse: text(parsePgpass),
  },
  {
    tool: "mongo",
    kind: "MongoDB shell credentials",
    home: [".mongorc.js", ".mongoshrc.js"],
    removable: false,
    parse: text(parseMongoScript),
  },
  {
    tool: "redis",
    kind: "redis-cli password",
    home: [".rediscli_auth"],
    removable: true,
    parse: text(parseWholeFile("password")),
  },
  // Mail and FTP.
  {
    tool: "netrc",
    kind: "netrc password",
    home: [".netrc", "_netrc"],
    removable: true,
    parse: text(parseNetrc),
  },
  {
    tool: "msmtp",
    kind: "msmtp password",
    home: [".msmtprc", ".config/msmtp/config"],
    system: ["/etc/msmtprc"],
    removable: false,
    parse: text(parseMsmtp),
  },
  {
    tool: "fetchmail",
    kind: "fetchmail password",
    home: [".fetchmailrc"],
    system: ["/etc/fetchmailrc"],
    removable: false,
    parse: text(parseFetchmail),
  },
  ...SERVICE_SPECS,
  ...SYSTEM_SERVICE_SPECS,
];

/**
 * The stores also found by file name anywhere (STORE_SPECS' `names`): a few of them. Tests of
 * every entry's name go through these, not the whole table (60 specs an entry on a 30 k-file walk).
 */
export const NAMED_STORE_SPECS: readonly StoreSpec[] = STORE_SPECS.filter((spec) => spec.names);

/** Web servers' password files, found by name and by the server configuration that names them. */
export const HTPASSWD_SPEC: StoreSpec = {
  tool: "web server",
  kind: "basic-auth password file",
  removable: false,
  parse: text(parseHtpasswd),
};

/** File names htpasswd/htdigest files go by. */
export const HTPASSWD_NAME = /^(?:\.?htpasswd|\.?htdigest|.+\.htpasswd|.+\.htdigest)$/;
