import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import type { OverlayChange } from "../../src/fs/overlay.js";
import type { Finding } from "../../src/policy/result.js";
import { maskSecret } from "../../src/policy/rule.js";
import { SYSTEM_STORE_CASES } from "./credential-store-trees-system.js";
import { ALNUM, BASE64_CHARS, fakeToken, opensslKey } from "./keygen.js";

/**
 * One tree per credential store with a live secret in it, and beside it the same store holding
 * none (empty, a placeholder, or secrets kept elsewhere): the RuleTester tables of
 * credential-store and credential-in-config, the fix parity test and the report masking test
 * all use these.
 */
export interface StoreCase {
  name: string;
  rule: "credential-store" | "credential-in-config";
  failing: Record<string, OverlayChange | string>;
  finding: Partial<Pick<Finding, "path" | "line" | "severity" | "message" | "evidence">>;
  passing: Array<{ why: string; changes: Record<string, OverlayChange | string> }>;
  /** Every secret value the failing tree holds: no report may show one. */
  secrets: string[];
}

/** What the evidence shows of a value: passwords nothing, long tokens the prefix that names their kind. */
export const shown = (field: string, value: string) =>
  `${field} ${maskSecret(value, value.length >= 20 ? 4 : 0)}`;

const password = "Rk7vq2Lm9x";
const password2 = "hT4pZ8wQ1n";
const awsKeyId = fakeToken("AKIA", 16);
const awsSecret = fakeToken("", 40, BASE64_CHARS, 3);
const tempKeyId = fakeToken("ASIA", 16, undefined, 5);
const sessionToken = fakeToken("", 300, BASE64_CHARS, 9);
const ssoToken = fakeToken("aoa", 120, ALNUM, 11);
const refreshToken = fakeToken("1//0g", 98, ALNUM, 13);
const googleAccess = fakeToken("ya29.", 150, ALNUM, 17);
const jwt = `eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.${fakeToken("", 200, ALNUM, 19)}`;
const azureSecret = fakeToken("Q8~", 37, ALNUM, 23);
const githubToken = fakeToken("ghp_", 36, ALNUM, 29);
const ghoToken = fakeToken("gho_", 36, ALNUM, 31);
const pypiToken = fakeToken("pypi-AgEIcHlwaS5vcmc", 150, ALNUM, 37);
const cargoToken = fakeToken("cio", 32, ALNUM, 41);
const tfToken = fakeToken("", 14, ALNUM, 43) + ".atlasv1." + fakeToken("", 60, ALNUM, 47);
const vaultToken = fakeToken("hvs.", 90, ALNUM, 53);
const npmToken = fakeToken("npm_", 36, ALNUM, 59);
const kubeToken = fakeToken("", 64, "abcdef0123456789", 61);
const ecKey = opensslKey("ec");
const clientKeyData = Buffer.from(ecKey).toString("base64");
const dockerAuth = Buffer.from(`deploy:${password}`).toString("base64");
const placeholderAuth = Buffer.from("deploy:changeme").toString("base64");
const rcloneObscured = fakeToken("", 43, `${ALNUM}-_`, 73);
const wifiKey = fakeToken("", 64, "0123456789abcdef", 79);
const encryptedCache = Buffer.from(fakeToken("", 600, BASE64_CHARS, 67), "base64");

/** A SQLite database as gcloud writes it, with the rows given (none: the empty schema). */
function sqlite(schema: string, insert?: { sql: string; values: unknown[] }): Buffer {
  const dir = mkdtempSync(path.join(tmpdir(), "amigate-gcloud-"));
  try {
    const file = path.join(dir, "store.db");
    const db = new Database(file);
    db.exec(schema);
    if (insert) db.prepare(insert.sql).run(...insert.values);
    db.close();
    return readFileSync(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const CREDENTIALS_DB = "CREATE TABLE credentials (account_id TEXT PRIMARY KEY, value BLOB);";
const ACCESS_TOKENS_DB =
  "CREATE TABLE access_tokens (account_id TEXT PRIMARY KEY, access_token TEXT, token_expiry TIMESTAMP, rapt_token TEXT, id_token TEXT);";
const authorizedUser = (token: string) =>
  JSON.stringify(
    {
      client_id: "32555940559.apps.googleusercontent.com",
      client_secret: fakeToken("", 24, ALNUM, 71),
      refresh_token: token,
      type: "authorized_user",
    },
    null,
    2,
  );

const admin = (kind: string, tool: string) => `${kind} saved by ${tool} in the home of admin`;
const rootOf = (kind: string, tool: string) => `${kind} saved by ${tool} in the home of root`;
const system = (kind: string, tool: string) => `${kind} saved by ${tool} outside any home`;
const file = (content: string | Buffer): OverlayChange => ({ type: "file", content, mode: 0o600 });

/** FileZilla 3's XML of servers (`Servers` in sitemanager.xml, `RecentServers`), `pass` on line 9. */
const fileZilla = (list: string, pass: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<FileZilla3 version="3.63.1" platform="*nix">\n\t<${list}>\n\t\t<Server>\n\t\t\t<Host>files.corp.internal</Host>\n\t\t\t<Port>21</Port>\n\t\t\t<Protocol>0</Protocol>\n\t\t\t<User>deploy</User>\n\t\t\t${pass}\n\t\t\t<Logontype>1</Logontype>\n\t\t</Server>\n\t</${list}>\n</FileZilla3>\n`;

const kubeconfig = (user: string) =>
  `apiVersion: v1\nkind: Config\nclusters:\n- name: prod\n  cluster:\n    server: https://10.0.0.1:6443\ncontexts:\n- name: prod\n  context: {cluster: prod, user: admin}\ncurrent-context: prod\nusers:\n- name: admin\n  user:\n${user}`;

export const STORE_CASES: readonly StoreCase[] = [
  // --- removed by fix (credential-store) ---
  {
    name: "AWS CLI credentials file",
    rule: "credential-store",
    failing: {
      "/home/admin/.aws/credentials": `[default]\naws_access_key_id = ${awsKeyId}\naws_secret_access_key = ${awsSecret}\n`,
    },
    finding: {
      path: "/home/admin/.aws/credentials",
      line: 3,
      severity: "critical",
      message: admin("AWS access keys", "aws"),
      evidence: shown("aws_secret_access_key", awsSecret),
    },
    passing: [
      {
        why: "AWS's documented example keys",
        changes: {
          "/home/admin/.aws/credentials": `[default]\naws_access_key_id = ${"AKIAIOSFODNN7"}EXAMPLE\naws_secret_access_key = ${"wJalrXUtnFEMI/K7MDENG/bPxRfiCY"}EXAMPLEKEY\n`,
        },
      },
    ],
    secrets: [awsSecret],
  },
  {
    name: "AWS SSO token cache",
    rule: "credential-store",
    failing: {
      "/root/.aws/sso/cache/4b2e.json": `{"startUrl": "https://example.awsapps.com/start", "region": "us-east-1", "accessToken": "${ssoToken}", "expiresAt": "2026-01-01T00:00:00Z"}\n`,
    },
    finding: {
      path: "/root/.aws/sso/cache/4b2e.json",
      line: 1,
      message: rootOf("AWS SSO token cache", "aws"),
      evidence: shown("accessToken", ssoToken),
    },
    passing: [
      {
        why: "a cache entry without a token",
        changes: { "/root/.aws/sso/cache/4b2e.json": `{"startUrl": "https://example.awsapps.com/start"}\n` },
      },
    ],
    secrets: [ssoToken],
  },
  {
    name: "AWS CLI temporary credentials cache",
    rule: "credential-store",
    failing: {
      "/root/.aws/cli/cache/9f1c.json": `{\n  "Credentials": {\n    "AccessKeyId": "${tempKeyId}",\n    "SecretAccessKey": "${awsSecret}",\n    "SessionToken": "${sessionToken}"\n  }\n}\n`,
    },
    finding: {
      path: "/root/.aws/cli/cache/9f1c.json",
      line: 4,
      message: rootOf("AWS CLI temporary credentials cache", "aws"),
      evidence: `${shown("SecretAccessKey", awsSecret)}, and 1 more`,
    },
    passing: [{ why: "an empty cache entry", changes: { "/root/.aws/cli/cache/9f1c.json": "{}\n" } }],
    secrets: [awsSecret, sessionToken],
  },
  {
    name: "s3cmd configuration",
    rule: "credential-store",
    failing: {
      "/root/.s3cfg": `[default]\naccess_key = ${awsKeyId}\nhost_base = s3.amazonaws.com\nsecret_key = ${awsSecret}\n`,
    },
    finding: {
      path: "/root/.s3cfg",
      line: 4,
      severity: "critical",
      message: rootOf("s3cmd access keys", "s3cmd"),
      evidence: shown("secret_key", awsSecret),
    },
    passing: [
      { why: "an empty secret_key", changes: { "/root/.s3cfg": "[default]\naccess_key =\nsecret_key =\n" } },
    ],
    secrets: [awsSecret],
  },
  {
    name: "boto configuration",
    rule: "credential-store",
    failing: { "/home/admin/.boto": `[Credentials]\ngs_oauth2_refresh_token = ${refreshToken}\n` },
    finding: {
      path: "/home/admin/.boto",
      line: 2,
      message: admin("boto credentials", "boto"),
      evidence: shown("gs_oauth2_refresh_token", refreshToken),
    },
    passing: [
      { why: "settings only", changes: { "/home/admin/.boto": "[Boto]\ndebug = 0\nnum_retries = 10\n" } },
    ],
    secrets: [refreshToken],
  },
  {
    name: "gcloud credentials.db",
    rule: "credential-store",
    failing: {
      "/root/.config/gcloud/credentials.db": file(
        sqlite(CREDENTIALS_DB, {
          sql: "INSERT INTO credentials VALUES (?, ?)",
          values: ["admin@example.com", authorizedUser(refreshToken)],
        }),
      ),
    },
    finding: {
      path: "/root/.config/gcloud/credentials.db",
      message: rootOf("gcloud credential database", "gcloud"),
      evidence: shown("refresh_token", refreshToken),
    },
    passing: [
      {
        why: "the empty schema",
        changes: { "/root/.config/gcloud/credentials.db": file(sqlite(CREDENTIALS_DB)) },
      },
    ],
    secrets: [refreshToken],
  },
  {
    name: "gcloud access_tokens.db",
    rule: "credential-store",
    failing: {
      "/root/.config/gcloud/access_tokens.db": file(
        sqlite(ACCESS_TOKENS_DB, {
          sql: "INSERT INTO access_tokens VALUES (?, ?, ?, NULL, NULL)",
          values: ["admin@example.com", googleAccess, "2026-01-01 00:00:00"],
        }),
      ),
    },
    finding: {
      path: "/root/.config/gcloud/access_tokens.db",
      message: rootOf("gcloud credential database", "gcloud"),
      evidence: shown("access_token", googleAccess),
    },
    passing: [
      {
        why: "the empty schema",
        changes: { "/root/.config/gcloud/access_tokens.db": file(sqlite(ACCESS_TOKENS_DB)) },
      },
    ],
    secrets: [googleAccess],
  },
  {
    name: "gcloud application default credentials",
    rule: "credential-store",
    failing: {
      "/home/admin/.config/gcloud/application_default_credentials.json": authorizedUser(refreshToken),
    },
    finding: {
      path: "/home/admin/.config/gcloud/application_default_credentials.json",
      line: 4,
      message: admin("Google application default credentials", "gcloud"),
      evidence: shown("refresh_token", refreshToken),
    },
    passing: [
      {
        why: "workload identity federation (an external_account reads its token from a file at run time)",
        changes: {
          "/home/admin/.config/gcloud/application_default_credentials.json": `{"type": "external_account", "audience": "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/aws", "credential_source": {"environment_id": "aws1"}}\n`,
        },
      },
    ],
    secrets: [refreshToken],
  },
  {
    name: "gcloud legacy credentials of a service account",
    rule: "credential-store",
    failing: {
      "/root/.config/gcloud/legacy_credentials/sa@proj.iam.gserviceaccount.com/adc.json": JSON.stringify({
        type: "service_account",
        client_email: "sa@proj.iam.gserviceaccount.com",
        private_key: ecKey,
      }),
    },
    finding: {
      path: "/root/.config/gcloud/legacy_credentials/sa@proj.iam.gserviceaccount.com/adc.json",
      line: 1,
      message: rootOf("Google application default credentials", "gcloud"),
      evidence: shown("private_key", ecKey),
    },
    passing: [
      {
        why: "a key id without the key",
        changes: {
          "/root/.config/gcloud/legacy_credentials/sa@proj.iam.gserviceaccount.com/adc.json":
            '{"type": "service_account", "private_key_id": "", "private_key": ""}\n',
        },
      },
    ],
    secrets: [ecKey.split("\n")[1]!],
  },
  {
    name: "Azure CLI ADAL token cache",
    rule: "credential-store",
    failing: {
      "/root/.azure/accessTokens.json": `[{"tokenType": "Bearer", "expiresIn": 3599, "accessToken": "${jwt}", "refreshToken": "${refreshToken}", "_clientId": "04b07795-8ddb-461a-bbee-02f9e1bf7b46"}]\n`,
    },
    finding: {
      path: "/root/.azure/accessTokens.json",
      line: 1,
      message: rootOf("Azure CLI tokens", "azure"),
      evidence: `${shown("accessToken", jwt)}, and 1 more`,
    },
    passing: [{ why: "an empty cache", changes: { "/root/.azure/accessTokens.json": "[]\n" } }],
    secrets: [jwt, refreshToken],
  },
  {
    name: "Azure CLI MSAL token cache",
    rule: "credential-store",
    failing: {
      "/home/admin/.azure/msal_token_cache.json": JSON.stringify(
        {
          Account: { a: { username: "admin@example.com" } },
          AccessToken: { k1: { credential_type: "AccessToken", secret: jwt } },
          RefreshToken: { k2: { credential_type: "RefreshToken", secret: refreshToken } },
        },
        null,
        2,
      ),
    },
    finding: {
      path: "/home/admin/.azure/msal_token_cache.json",
      line: 10,
      message: admin("Azure CLI tokens", "azure"),
      evidence: `${shown("AccessToken secret", jwt)}, and 1 more`,
    },
    passing: [
      {
        why: "after az logout (the sections are left empty)",
        changes: {
          "/home/admin/.azure/msal_token_cache.json":
            '{"AccessToken": {}, "RefreshToken": {}, "Account": {}}\n',
        },
      },
    ],
    secrets: [jwt, refreshToken],
  },
  {
    name: "Azure CLI service principal secret",
    rule: "credential-store",
    failing: {
      "/root/.azure/service_principal_entries.json": `[{"client_id": "8c7b4e2a-0000-4000-8000-000000000001", "tenant": "72f988bf-0000-4000-8000-000000000002", "client_secret": "${azureSecret}"}]\n`,
    },
    finding: {
      path: "/root/.azure/service_principal_entries.json",
      line: 1,
      message: rootOf("Azure CLI service principal secret", "azure"),
      evidence: shown("client_secret", azureSecret),
    },
    passing: [
      {
        why: "a service principal that signs in with a certificate file",
        changes: {
          "/root/.azure/service_principal_entries.json":
            '[{"client_id": "8c7b4e2a-0000-4000-8000-000000000001", "tenant": "t", "certificate": "/etc/ssl/private/sp.pem"}]\n',
        },
      },
    ],
    secrets: [azureSecret],
  },
  {
    name: "Azure CLI encrypted token cache",
    rule: "credential-store",
    failing: { "/root/.azure/msal_token_cache.bin": file(encryptedCache) },
    finding: {
      path: "/root/.azure/msal_token_cache.bin",
      message: rootOf("Azure CLI encrypted token cache", "azure"),
      evidence: `encrypted token cache, ${encryptedCache.length} bytes`,
    },
    passing: [{ why: "an empty file", changes: { "/root/.azure/msal_token_cache.bin": file("") } }],
    secrets: [],
  },
  {
    name: "OCI CLI configuration with its API key",
    rule: "credential-store",
    failing: {
      "/home/admin/.oci/config":
        "[DEFAULT]\nuser=ocid1.user.oc1..aaaa\nfingerprint=20:3b:97:13\nkey_file=~/.oci/oci_api_key.pem\ntenancy=ocid1.tenancy.oc1..aaaa\nregion=us-ashburn-1\n",
      "/home/admin/.oci/oci_api_key.pem": file(ecKey),
    },
    finding: {
      path: "/home/admin/.oci/config",
      line: 4,
      message: admin("OCI API signing key configuration", "oci"),
      evidence: "key_file ~/.oci/oci_api_key.pem (present in the image)",
    },
    passing: [
      {
        why: "the key file is not in the image",
        changes: {
          "/home/admin/.oci/config":
            "[DEFAULT]\nuser=ocid1.user.oc1..aaaa\nkey_file=~/.oci/oci_api_key.pem\n",
        },
      },
    ],
    secrets: [],
  },
  {
    name: "docker registry auth",
    rule: "credential-store",
    failing: {
      "/home/admin/.docker/config.json": `{\n  "auths": {\n    "registry.example.com": {\n      "auth": "${dockerAuth}"\n    }\n  }\n}\n`,
    },
    finding: {
      path: "/home/admin/.docker/config.json",
      line: 4,
      message: admin("docker registry auth", "docker"),
      evidence: shown("auth for registry.example.com", password),
    },
    passing: [
      {
        why: "a credential helper keeps the secrets (credsStore), auths only name registries",
        changes: {
          "/home/admin/.docker/config.json":
            '{"auths": {"registry.example.com": {}}, "credsStore": "ecr-login"}\n',
        },
      },
      {
        why: "an auth whose password is a placeholder",
        changes: {
          "/root/.docker/config.json": `{"auths": {"r.example.com": {"auth": "${placeholderAuth}"}}}\n`,
        },
      },
    ],
    secrets: [password, dockerAuth],
  },
  {
    name: "docker legacy .dockercfg",
    rule: "credential-store",
    failing: {
      "/root/.dockercfg": `{"registry.example.com": {"auth": "${dockerAuth}", "email": "ops@example.com"}}\n`,
    },
    finding: {
      path: "/root/.dockercfg",
      line: 1,
      message: rootOf("docker registry auth (legacy .dockercfg)", "docker"),
      evidence: shown("auth for registry.example.com", password),
    },
    passing: [{ why: "no registry", changes: { "/root/.dockercfg": "{}\n" } }],
    secrets: [password, dockerAuth],
  },
  {
    name: "podman auth.json in a home",
    rule: "credential-store",
    failing: {
      "/home/admin/.config/containers/auth.json": `{"auths": {"quay.io": {"identitytoken": "${jwt}"}}}\n`,
    },
    finding: {
      path: "/home/admin/.config/containers/auth.json",
      line: 1,
      message: admin("container registry auth", "podman"),
      evidence: shown("identitytoken for quay.io", jwt),
    },
    passing: [
      { why: "no auths", changes: { "/home/admin/.config/containers/auth.json": '{"auths": {}}\n' } },
    ],
    secrets: [jwt],
  },
  {
    name: "podman auth.json left in /run",
    rule: "credential-store",
    failing: { "/run/containers/0/auth.json": `{"auths": {"quay.io": {"auth": "${dockerAuth}"}}}\n` },
    finding: {
      path: "/run/containers/0/auth.json",
      line: 1,
      message: system("container registry auth", "podman"),
      evidence: shown("auth for quay.io", password),
    },
    passing: [{ why: "no auths", changes: { "/run/containers/0/auth.json": '{"auths": {}}\n' } }],
    secrets: [password, dockerAuth],
  },
  {
    name: "kubeconfig with a client key",
    rule: "credential-store",
    failing: {
      "/root/.kube/config": kubeconfig(
        `    client-certificate-data: LS0tLS1CRUdJTg==\n    client-key-data: ${clientKeyData}\n`,
      ),
    },
    finding: {
      path: "/root/.kube/config",
      line: 15,
      message: rootOf("kubeconfig credentials", "kubectl"),
      evidence: shown("client-key-data", clientKeyData),
    },
    passing: [
      {
        why: "exec-based auth (aws eks get-token) keeps no secret in the file",
        changes: {
          "/root/.kube/config": kubeconfig(
            "    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: aws\n      args: [eks, get-token, --cluster-name, prod]\n",
          ),
        },
      },
    ],
    secrets: [clientKeyData],
  },
  {
    name: "kubeconfig with a bearer token",
    rule: "credential-store",
    failing: { "/home/admin/.kube/config": kubeconfig(`    token: ${kubeToken}\n`) },
    finding: {
      path: "/home/admin/.kube/config",
      line: 14,
      message: admin("kubeconfig credentials", "kubectl"),
      evidence: shown("token", kubeToken),
    },
    passing: [
      {
        why: "a token file outside the image",
        changes: { "/home/admin/.kube/config": kubeconfig("    tokenFile: /var/run/secrets/token\n") },
      },
    ],
    secrets: [kubeToken],
  },
  {
    name: "git credential store",
    rule: "credential-store",
    failing: { "/home/admin/.git-credentials": `https://admin:${githubToken}@github.com\n` },
    finding: {
      path: "/home/admin/.git-credentials",
      line: 1,
      message: admin("git credential store", "git"),
      evidence: shown("password in URL", githubToken),
    },
    passing: [
      {
        why: "a user name without a password",
        changes: { "/home/admin/.git-credentials": "https://admin@github.com\n" },
      },
    ],
    secrets: [githubToken],
  },
  {
    name: "git credential store in XDG config",
    rule: "credential-store",
    failing: { "/root/.config/git/credentials": `https://ci:${password}@git.example.com\n` },
    finding: {
      path: "/root/.config/git/credentials",
      line: 1,
      message: rootOf("git credential store", "git"),
      evidence: shown("password in URL", password),
    },
    passing: [{ why: "an empty store", changes: { "/root/.config/git/credentials": "" } }],
    secrets: [password],
  },
  {
    name: "PyPI upload password",
    rule: "credential-store",
    failing: {
      "/home/admin/.pypirc": `[distutils]\nindex-servers =\n    pypi\n\n[pypi]\nusername = __token__\npassword = ${pypiToken}\n`,
    },
    finding: {
      path: "/home/admin/.pypirc",
      line: 7,
      message: admin("PyPI upload password", "pypi"),
      evidence: shown("password", pypiToken),
    },
    passing: [
      {
        why: "a placeholder",
        changes: { "/home/admin/.pypirc": "[pypi]\nusername = __token__\npassword = <your-token>\n" },
      },
    ],
    secrets: [pypiToken],
  },
  {
    name: "Composer auth.json",
    rule: "credential-store",
    failing: {
      "/home/admin/.config/composer/auth.json": `{\n  "http-basic": {\n    "repo.example.com": {"username": "deploy", "password": "${password}"}\n  },\n  "github-oauth": {"github.com": "${githubToken}"}\n}\n`,
    },
    finding: {
      path: "/home/admin/.config/composer/auth.json",
      line: 3,
      message: admin("Composer auth", "composer"),
      evidence: `${shown("http-basic password for repo.example.com", password)}, and 1 more`,
    },
    passing: [
      {
        why: "empty sections",
        changes: { "/home/admin/.config/composer/auth.json": '{"http-basic": {}, "github-oauth": {}}\n' },
      },
    ],
    secrets: [password, githubToken],
  },
  {
    name: "Cargo registry token",
    rule: "credential-store",
    failing: { "/root/.cargo/credentials.toml": `[registry]\ntoken = "${cargoToken}"\n` },
    finding: {
      path: "/root/.cargo/credentials.toml",
      line: 2,
      message: rootOf("Cargo registry token", "cargo"),
      evidence: shown("token", cargoToken),
    },
    passing: [
      { why: "an empty token", changes: { "/root/.cargo/credentials.toml": '[registry]\ntoken = ""\n' } },
    ],
    secrets: [cargoToken],
  },
  {
    name: "Terraform API token",
    rule: "credential-store",
    failing: {
      "/root/.terraform.d/credentials.tfrc.json": `{\n  "credentials": {\n    "app.terraform.io": {\n      "token": "${tfToken}"\n    }\n  }\n}\n`,
    },
    finding: {
      path: "/root/.terraform.d/credentials.tfrc.json",
      line: 4,
      message: rootOf("Terraform API token", "terraform"),
      evidence: shown("token", tfToken),
    },
    passing: [
      { why: "no host", changes: { "/root/.terraform.d/credentials.tfrc.json": '{"credentials": {}}\n' } },
    ],
    secrets: [tfToken],
  },
  {
    name: "GitHub CLI token",
    rule: "credential-store",
    failing: {
      "/home/admin/.config/gh/hosts.yml": `github.com:\n    user: admin\n    oauth_token: ${ghoToken}\n    git_protocol: https\n`,
    },
    finding: {
      path: "/home/admin/.config/gh/hosts.yml",
      line: 3,
      message: admin("GitHub CLI token", "gh"),
      evidence: shown("oauth_token", ghoToken),
    },
    passing: [
      {
        why: "the token is in the system keyring",
        changes: {
          "/home/admin/.config/gh/hosts.yml":
            "github.com:\n    git_protocol: https\n    users:\n        admin:\n    user: admin\n",
        },
      },
    ],
    secrets: [ghoToken],
  },
  {
    name: "Vault token",
    rule: "credential-store",
    failing: { "/root/.vault-token": vaultToken },
    finding: {
      path: "/root/.vault-token",
      line: 1,
      message: rootOf("Vault token", "vault"),
      evidence: shown("token", vaultToken),
    },
    passing: [{ why: "an empty file", changes: { "/root/.vault-token": "" } }],
    secrets: [vaultToken],
  },
  {
    name: "MySQL login path file",
    rule: "credential-store",
    failing: { "/root/.mylogin.cnf": file(encryptedCache.subarray(0, 120)) },
    finding: {
      path: "/root/.mylogin.cnf",
      message: rootOf("MySQL login path file (obfuscated, not encrypted)", "mysql"),
      evidence: "obfuscated login paths, 120 bytes",
    },
    passing: [{ why: "an empty file", changes: { "/root/.mylogin.cnf": file("") } }],
    secrets: [],
  },
  {
    name: "VNC password file",
    rule: "credential-store",
    // `echo Rk7vq2Lm | vncpasswd -f` (TigerVNC 1.12): the password DES-encrypted with VNC's fixed key.
    failing: { "/home/admin/.vnc/passwd": file(Buffer.from("3897a3bc0583b856", "hex")) },
    finding: {
      path: "/home/admin/.vnc/passwd",
      message: admin("VNC password (encrypted with a published key: reversible)", "vncpasswd"),
      evidence: "VNC password, 8 bytes",
    },
    passing: [
      { why: "an empty file", changes: { "/home/admin/.vnc/passwd": file("") } },
      {
        why: "a VNC configuration without a password",
        changes: { "/home/admin/.vnc/config": "geometry=1920x1080\n" },
      },
    ],
    secrets: [],
  },
  {
    name: "PostgreSQL password file",
    rule: "credential-store",
    failing: { "/home/admin/.pgpass": `# app database\ndb.example.com:5432:*:app:${password}\n` },
    finding: {
      path: "/home/admin/.pgpass",
      line: 2,
      message: admin("PostgreSQL password file", "postgres"),
      evidence: shown("password of app@db.example.com", password),
    },
    passing: [
      {
        why: "a placeholder password",
        changes: { "/home/admin/.pgpass": "localhost:5432:*:postgres:changeme\n" },
      },
    ],
    secrets: [password],
  },
  {
    name: "redis-cli password",
    rule: "credential-store",
    failing: { "/root/.rediscli_auth": `${password}\n` },
    finding: {
      path: "/root/.rediscli_auth",
      line: 1,
      message: rootOf("redis-cli password", "redis"),
      evidence: shown("password", password),
    },
    passing: [{ why: "an empty file", changes: { "/root/.rediscli_auth": "\n" } }],
    secrets: [password],
  },
  {
    name: "netrc password",
    rule: "credential-store",
    failing: {
      "/root/.netrc": `machine ftp.example.com\n  login backup\n  password ${password}\nmachine api.example.com login ci password ${password2}\n`,
    },
    finding: {
      path: "/root/.netrc",
      line: 3,
      message: rootOf("netrc password", "netrc"),
      evidence: `${shown("password", password)}, and 1 more`,
    },
    passing: [
      { why: "an empty file", changes: { "/root/.netrc": "" } },
      {
        why: "a machine with a login and no password",
        changes: { "/home/admin/.netrc": "machine example.com login anonymous\n" },
      },
    ],
    secrets: [password, password2],
  },
  {
    name: "netrc in a home left behind by a removed build user",
    rule: "credential-store",
    failing: { "/home/packer/.netrc": `machine artifacts.example.com login packer password ${password}\n` },
    finding: {
      path: "/home/packer/.netrc",
      line: 1,
      message: "netrc password saved by netrc in the home of packer",
      evidence: shown("password", password),
    },
    passing: [
      {
        why: "a placeholder",
        changes: { "/home/packer/.netrc": "machine a.example.com login packer password xxxxxxxx\n" },
      },
    ],
    secrets: [password],
  },
  // --- configuration with settings beside the secret (credential-in-config) ---
  {
    name: "AWS CLI config with keys",
    rule: "credential-in-config",
    failing: {
      "/root/.aws/config": `[default]\nregion = us-east-1\naws_access_key_id = ${awsKeyId}\naws_secret_access_key = ${awsSecret}\n`,
    },
    finding: {
      path: "/root/.aws/config",
      line: 4,
      severity: "critical",
      message: rootOf("AWS access keys in the CLI configuration", "aws"),
      evidence: shown("aws_secret_access_key", awsSecret),
    },
    passing: [
      {
        why: "region and SSO settings only",
        changes: { "/root/.aws/config": "[default]\nregion = us-east-1\nsso_session = corp\n" },
      },
    ],
    secrets: [awsSecret],
  },
  {
    name: "kubelet's registry credentials",
    rule: "credential-in-config",
    failing: {
      "/var/lib/kubelet/config.json": `{"auths": {"registry.example.com": {"auth": "${dockerAuth}"}}}\n`,
    },
    finding: {
      path: "/var/lib/kubelet/config.json",
      line: 1,
      message: system("system-wide container registry auth", "containers"),
      evidence: shown("auth for registry.example.com", password),
    },
    passing: [{ why: "no auths", changes: { "/var/lib/kubelet/config.json": '{"auths": {}}\n' } }],
    secrets: [password, dockerAuth],
  },
  {
    name: "kubeadm admin kubeconfig",
    rule: "credential-in-config",
    failing: { "/etc/kubernetes/admin.conf": kubeconfig(`    client-key-data: ${clientKeyData}\n`) },
    finding: {
      path: "/etc/kubernetes/admin.conf",
      line: 14,
      message: system("cluster kubeconfig credentials", "kubernetes"),
      evidence: shown("client-key-data", clientKeyData),
    },
    passing: [
      {
        why: "the key is a file the image does not hold inline",
        changes: {
          "/etc/kubernetes/admin.conf": kubeconfig("    client-key: /etc/kubernetes/pki/admin.key\n"),
        },
      },
    ],
    secrets: [clientKeyData],
  },
  {
    name: "helm repository password",
    rule: "credential-in-config",
    failing: {
      "/home/admin/.config/helm/repositories.yaml": `apiVersion: ""\nrepositories:\n- name: internal\n  url: https://charts.example.com\n  username: ci\n  password: ${password}\n`,
    },
    finding: {
      path: "/home/admin/.config/helm/repositories.yaml",
      line: 6,
      message: admin("helm repository password", "helm"),
      evidence: shown("password", password),
    },
    passing: [
      {
        why: "a public repository",
        changes: {
          "/home/admin/.config/helm/repositories.yaml":
            'apiVersion: ""\nrepositories:\n- name: bitnami\n  url: https://charts.bitnami.com/bitnami\n  password: ""\n',
        },
      },
    ],
    secrets: [password],
  },
  {
    name: "npm auth token",
    rule: "credential-in-config",
    failing: {
      "/home/admin/.npmrc": `registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken=${npmToken}\n`,
    },
    finding: {
      path: "/home/admin/.npmrc",
      line: 2,
      message: admin("npm registry credentials", "npm"),
      evidence: shown("//registry.npmjs.org/:_authToken", npmToken),
    },
    passing: [
      {
        why: "a registry line only",
        changes: { "/home/admin/.npmrc": "registry=https://registry.npmjs.org/\n" },
      },
      {
        why: "a token read from the environment",
        changes: { "/etc/npmrc": `//registry.npmjs.org/:_authToken=${"$"}{NPM_TOKEN}\n` },
      },
    ],
    secrets: [npmToken],
  },
  {
    name: "pip index URL with a password",
    rule: "credential-in-config",
    failing: { "/etc/pip.conf": `[global]\nindex-url = https://ci:${password}@pypi.example.com/simple\n` },
    finding: {
      path: "/etc/pip.conf",
      line: 2,
      message: system("package index URL with a password", "pip"),
      evidence: shown("password in URL", password),
    },
    passing: [
      {
        why: "an index without credentials",
        changes: { "/etc/pip.conf": "[global]\nindex-url = https://pypi.example.com/simple\n" },
      },
    ],
    secrets: [password],
  },
  {
    name: "Maven server password",
    rule: "credential-in-config",
    failing: {
      "/home/admin/.m2/settings.xml": `<settings>\n  <servers>\n    <server>\n      <id>releases</id>\n      <username>deploy</username>\n      <password>${password}</password>\n    </server>\n  </servers>\n</settings>\n`,
    },
    finding: {
      path: "/home/admin/.m2/settings.xml",
      line: 6,
      message: admin("Maven server password", "maven"),
      evidence: shown("password", password),
    },
    passing: [
      {
        why: "the stock file's commented-out example and a password from the environment",
        changes: {
          "/home/admin/.m2/settings.xml":
            // biome-ignore lint/suspicious/noTemplateCurlyInString: Maven's own ${env.X} syntax
            "<settings>\n  <!--\n  <server><id>x</id><password>repopwd</password></server>\n  -->\n  <servers><server><id>a</id><password>${env.REPO_PASSWORD}</password></server></servers>\n</settings>\n",
        },
      },
    ],
    secrets: [password],
  },
  {
    name: "Gradle property secret",
    rule: "credential-in-config",
    failing: {
      "/home/admin/.gradle/gradle.properties": `org.gradle.jvmargs=-Xmx2g\nsigning.secretKeyRingFile=/home/admin/.gnupg/secring.gpg\nossrhPassword=${password}\n`,
    },
    finding: {
      path: "/home/admin/.gradle/gradle.properties",
      line: 3,
      message: admin("Gradle property secret", "gradle"),
      evidence: shown("ossrhPassword", password),
    },
    passing: [
      {
        why: "settings and a key ring path only",
        changes: {
          "/home/admin/.gradle/gradle.properties":
            "org.gradle.jvmargs=-Xmx2g\nsigning.secretKeyRingFile=/home/admin/.gnupg/secring.gpg\n",
        },
      },
    ],
    secrets: [password],
  },
  {
    name: "MySQL client option file",
    rule: "credential-in-config",
    failing: { "/root/.my.cnf": `[client]\nuser = root\npassword = "${password}"\n` },
    finding: {
      path: "/root/.my.cnf",
      line: 3,
      message: rootOf("MySQL client password", "mysql"),
      evidence: shown("password", password),
    },
    passing: [
      { why: "an empty password", changes: { "/root/.my.cnf": "[client]\nuser = root\npassword =\n" } },
    ],
    secrets: [password],
  },
  {
    name: "Debian's MySQL maintenance account",
    rule: "credential-in-config",
    failing: {
      "/etc/mysql/debian.cnf": `# Automatically generated for Debian scripts. DO NOT TOUCH!\n[client]\nhost     = localhost\nuser     = debian-sys-maint\npassword = ${password}\nsocket   = /var/run/mysqld/mysqld.sock\n`,
    },
    finding: {
      path: "/etc/mysql/debian.cnf",
      line: 5,
      message: system("MySQL client password", "mysql"),
      evidence: shown("password", password),
    },
    passing: [
      {
        why: "MariaDB's unix_socket authentication (no password)",
        changes: { "/etc/mysql/debian.cnf": "[client]\nhost     = localhost\nuser     = root\n" },
      },
    ],
    secrets: [password],
  },
  {
    name: "mongo shell start-up script",
    rule: "credential-in-config",
    failing: {
      "/root/.mongoshrc.js": `db = connect("localhost/admin");\ndb.auth("admin", "${password}");\n`,
    },
    finding: {
      path: "/root/.mongoshrc.js",
      line: 2,
      message: rootOf("MongoDB shell credentials", "mongo"),
      evidence: shown("db.auth password", password),
    },
    passing: [
      { why: "a prompt without credentials", changes: { "/root/.mongoshrc.js": 'prompt = "mongo> ";\n' } },
    ],
    secrets: [password],
  },
  {
    name: "msmtp password",
    rule: "credential-in-config",
    failing: {
      "/etc/msmtprc": `account default\nhost smtp.example.com\nauth on\nuser alerts@example.com\npassword ${password}\n`,
    },
    finding: {
      path: "/etc/msmtprc",
      line: 5,
      message: system("msmtp password", "msmtp"),
      evidence: shown("password", password),
    },
    passing: [
      {
        why: "passwordeval reads it at send time",
        changes: {
          "/etc/msmtprc": 'account default\nhost smtp.example.com\npasswordeval "cat /run/secrets/smtp"\n',
        },
      },
    ],
    secrets: [password],
  },
  {
    name: "fetchmail password",
    rule: "credential-in-config",
    failing: {
      "/home/admin/.fetchmailrc": `poll mail.example.com protocol imap\n  user "admin" password "${password}"\n`,
    },
    finding: {
      path: "/home/admin/.fetchmailrc",
      line: 2,
      message: admin("fetchmail password", "fetchmail"),
      evidence: shown("password", password),
    },
    passing: [
      {
        why: "fetchmail prompts (no password given)",
        changes: { "/home/admin/.fetchmailrc": 'poll mail.example.com protocol imap user "admin"\n' },
      },
    ],
    secrets: [password],
  },
  {
    name: "nginx basic-auth password file",
    rule: "credential-in-config",
    failing: {
      "/etc/nginx/sites-enabled/default":
        'server {\n  location /admin {\n    auth_basic "admin";\n    auth_basic_user_file /etc/nginx/passwords;\n  }\n}\n',
      "/etc/nginx/passwords": "admin:$apr1$Jk3e2bQ1$8bXhVq1cGf5m3l2k1j0h9/\n",
    },
    finding: {
      path: "/etc/nginx/passwords",
      line: 1,
      message: system("basic-auth password file", "web server"),
      evidence: shown("password hash of admin", "$apr1$Jk3e2bQ1$8bXhVq1cGf5m3l2k1j0h9/"),
    },
    passing: [
      {
        why: "an empty password file",
        changes: { "/etc/nginx/passwords": "", "/var/www/.htpasswd": "# none yet\n" },
      },
    ],
    secrets: [],
  },
  {
    name: "Apache .htpasswd",
    rule: "credential-in-config",
    failing: { "/var/www/html/private/.htpasswd": "editor:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n" },
    finding: {
      path: "/var/www/html/private/.htpasswd",
      line: 1,
      message: system("basic-auth password file", "web server"),
      evidence: shown("password hash of editor", "{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g="),
    },
    passing: [{ why: "a locked entry", changes: { "/var/www/html/private/.htpasswd": "editor:!\n" } }],
    secrets: [],
  },
  // --- services' configurations (credential-in-config) ---
  {
    name: "redis requirepass in the packaged configuration",
    rule: "credential-in-config",
    failing: {
      "/etc/redis/redis.conf": `bind 127.0.0.1 -::1\nport 6379\n# requirepass foobared\nrequirepass "${password}"\n`,
    },
    finding: {
      path: "/etc/redis/redis.conf",
      line: 4,
      message: system("redis server password", "redis"),
      evidence: `requirepass ${maskSecret(password, 0)}`,
    },
    passing: [
      {
        why: "the stock file's commented-out example",
        changes: { "/etc/redis/redis.conf": "bind 127.0.0.1 -::1\n# requirepass foobared\n" },
      },
      { why: "an empty password", changes: { "/etc/redis/redis.conf": 'requirepass ""\n' } },
      { why: "a placeholder", changes: { "/etc/redis/redis.conf": "requirepass changeme\n" } },
    ],
    secrets: [password],
  },
  {
    name: "redis masterauth and an ACL user in a configuration found by name",
    rule: "credential-in-config",
    failing: {
      "/opt/cache/redis-6380.conf": `port 6380\nreplicaof 10.0.0.5 6379\nMASTERAUTH ${password}\nuser worker on >${password2} ~jobs:* +@list\n`,
    },
    finding: {
      path: "/opt/cache/redis-6380.conf",
      line: 3,
      message: system("redis server password", "redis"),
      evidence: `masterauth ${maskSecret(password, 0)}, and 1 more`,
    },
    passing: [
      {
        why: "documentation, an ACL user without a password, a redis.conf.example",
        changes: {
          "/usr/share/doc/redis/redis.conf": `requirepass ${password}\n`,
          "/opt/cache/redis.conf": "user reader on nopass ~* +@read\n",
          "/opt/cache/redis.conf.example": `requirepass ${password}\n`,
        },
      },
    ],
    secrets: [password, password2],
  },
  {
    name: "rclone remote password (obscured)",
    rule: "credential-in-config",
    failing: {
      "/home/admin/.config/rclone/rclone.conf": `[backup]\ntype = sftp\nhost = files.example.org\nuser = admin\npass = ${rcloneObscured}\n`,
    },
    finding: {
      path: "/home/admin/.config/rclone/rclone.conf",
      line: 5,
      message: admin("rclone remote credentials", "rclone"),
      evidence: `pass (obscured, reversible) ${maskSecret(rcloneObscured, 0)}`,
    },
    passing: [
      {
        why: "a key file and an empty pass",
        changes: {
          "/home/admin/.config/rclone/rclone.conf":
            "[backup]\ntype = sftp\nhost = files.example.org\nkey_file = ~/.ssh/id_ed25519\npass =\n",
        },
      },
      {
        why: "a commented-out pass",
        changes: {
          "/home/admin/.config/rclone/rclone.conf": `[backup]\ntype = sftp\n# pass = ${rcloneObscured}\n`,
        },
      },
      {
        why: "a configuration encrypted with a password kept elsewhere",
        changes: {
          "/home/admin/.config/rclone/rclone.conf": `# Encrypted rclone configuration File\n\nRCLONE_ENCRYPT_V0:\n${rcloneObscured}${rcloneObscured}\n`,
        },
      },
    ],
    secrets: [rcloneObscured],
  },
  {
    name: "wpa_supplicant network passphrase",
    rule: "credential-in-config",
    failing: {
      "/etc/wpa_supplicant/wpa_supplicant-wlan0.conf": `ctrl_interface=DIR=/run/wpa_supplicant GROUP=netdev\ncountry=DE\n\nnetwork={\n  ssid="Office"\n  psk="${password}"\n  key_mgmt=WPA-PSK\n}\n`,
    },
    finding: {
      path: "/etc/wpa_supplicant/wpa_supplicant-wlan0.conf",
      line: 6,
      message: system("Wi-Fi network key", "wpa_supplicant"),
      evidence: `psk (passphrase) of network "Office" ${maskSecret(password, 0)}`,
    },
    passing: [
      {
        why: "an open network, a commented-out psk and a psk from an external store",
        changes: {
          "/etc/wpa_supplicant/wpa_supplicant-wlan0.conf": `network={\n  ssid="Guest"\n  key_mgmt=NONE\n}\nnetwork={\n  ssid="Office"\n  #psk="${password}"\n  psk=ext:office_psk\n}\n`,
        },
      },
      {
        why: "an empty passphrase and a psk outside any network block",
        changes: { "/etc/wpa_supplicant/wpa_supplicant.conf": `psk="${password}"\nnetwork={\n  psk=""\n}\n` },
      },
    ],
    secrets: [password],
  },
  {
    name: "FileZilla site manager with a saved password",
    rule: "credential-in-config",
    failing: {
      "/home/admin/.config/filezilla/sitemanager.xml": fileZilla(
        "Servers",
        `<Pass encoding="base64">${Buffer.from(password).toString("base64")}</Pass>`,
      ),
    },
    finding: {
      path: "/home/admin/.config/filezilla/sitemanager.xml",
      line: 9,
      message: admin("FTP/SFTP site passwords (base64, not encrypted)", "FileZilla"),
      evidence: shown("Pass of deploy@files.corp.internal", password),
    },
    passing: [
      {
        why: "a password encrypted with a master password, and an anonymous site",
        changes: {
          "/home/admin/.config/filezilla/sitemanager.xml": fileZilla(
            "Servers",
            '<Pass encoding="crypt" pubkey="abc">q1w2e3r4</Pass>',
          ),
          "/home/admin/.filezilla/sitemanager.xml": fileZilla("Servers", ""),
        },
      },
    ],
    secrets: [password],
  },
  {
    name: "FileZilla recent servers on Windows",
    rule: "credential-store",
    failing: {
      "/Users/Administrator/AppData/Roaming/FileZilla/recentservers.xml": fileZilla(
        "RecentServers",
        `<Pass>${password2}</Pass>`,
      ),
    },
    finding: {
      path: "/Users/Administrator/AppData/Roaming/FileZilla/recentservers.xml",
      line: 9,
      message: system("recent FTP/SFTP servers with passwords (base64, not encrypted)", "FileZilla"),
      evidence: shown("Pass of deploy@files.corp.internal", password2),
    },
    passing: [
      {
        why: "an empty password",
        changes: {
          "/Users/Administrator/AppData/Roaming/FileZilla/recentservers.xml": fileZilla(
            "RecentServers",
            "<Pass></Pass>",
          ),
        },
      },
    ],
    secrets: [password2],
  },
  {
    name: "NetworkManager keyfile of a Wi-Fi connection",
    rule: "credential-in-config",
    failing: {
      "/etc/NetworkManager/system-connections/Office.nmconnection": `[connection]\nid=Office\ntype=wifi\n\n[wifi]\nssid=Office\n\n[wifi-security]\nkey-mgmt=wpa-psk\npsk=${password}\n\n[ipv4]\nmethod=auto\n`,
    },
    finding: {
      path: "/etc/NetworkManager/system-connections/Office.nmconnection",
      line: 10,
      message: system("network connection secret", "NetworkManager"),
      evidence: shown("psk", password),
    },
    passing: [
      {
        why: "secrets kept by an agent (psk-flags=1) and a wired connection",
        changes: {
          "/etc/NetworkManager/system-connections/Office.nmconnection":
            "[connection]\nid=Office\ntype=wifi\n\n[wifi-security]\nkey-mgmt=wpa-psk\npsk-flags=1\n",
          "/etc/NetworkManager/system-connections/Wired.nmconnection":
            "[connection]\nid=Wired\ntype=ethernet\n\n[ipv4]\nmethod=auto\n",
        },
      },
    ],
    secrets: [password],
  },
  {
    name: "wpa_supplicant derived key (64 hex digits) on a Raspberry Pi boot partition",
    rule: "credential-in-config",
    failing: {
      "/boot/firmware/wpa_supplicant.conf": `network={\n  ssid="Lab"\n  psk=${wifiKey}\n}\n`,
    },
    finding: {
      path: "/boot/firmware/wpa_supplicant.conf",
      line: 3,
      message: system("Wi-Fi network key", "wpa_supplicant"),
      evidence: `psk (derived key) of network "Lab" ${maskSecret(wifiKey, 0)}`,
    },
    passing: [
      {
        why: "a psk that is neither quoted nor a key (wpa_supplicant refuses it)",
        changes: { "/boot/firmware/wpa_supplicant.conf": 'network={\n  ssid="Lab"\n  psk=abc123\n}\n' },
      },
    ],
    secrets: [wifiKey],
  },
  {
    name: "OpenVPN auth-user-pass file a client configuration names",
    rule: "credential-in-config",
    failing: {
      "/etc/openvpn/client/office.conf":
        "client\ndev tun\nremote vpn.example.com 1194\nauth-user-pass office-login\n",
      "/etc/openvpn/client/office-login": `admin\n${password}\n`,
    },
    finding: {
      path: "/etc/openvpn/client/office-login",
      line: 2,
      message: system("OpenVPN auth-user-pass file", "openvpn"),
      evidence: `password of admin ${maskSecret(password, 0)}`,
    },
    passing: [
      {
        why: "the file holds the username only (OpenVPN prompts)",
        changes: {
          "/etc/openvpn/client/office.conf": "client\nauth-user-pass office-login\n",
          "/etc/openvpn/client/office-login": "admin\n",
        },
      },
      {
        why: "a commented-out option naming a file outside /etc/openvpn",
        changes: {
          "/etc/openvpn/client/office.conf": "client\n;auth-user-pass /root/vpn-login\nauth-user-pass\n",
          "/root/vpn-login": `admin\n${password}\n`,
        },
      },
    ],
    secrets: [password],
  },
  {
    name: "OpenVPN auth file no configuration names",
    rule: "credential-in-config",
    failing: { "/etc/openvpn/auth.txt": `vpnuser\n${password}\n` },
    finding: {
      path: "/etc/openvpn/auth.txt",
      line: 2,
      message: system("OpenVPN auth-user-pass file", "openvpn"),
      evidence: `password of vpnuser ${maskSecret(password, 0)}`,
    },
    passing: [
      {
        why: "a static key, an up script and a placeholder",
        changes: {
          "/etc/openvpn/ta.key": `-----BEGIN OpenVPN Static key V1-----\n${"0123456789abcdef".repeat(2)}\n-----END OpenVPN Static key V1-----\n`,
          "/etc/openvpn/update-dns": "#!/bin/sh\nresolvectl dns tun0 10.8.0.1\n",
          "/etc/openvpn/auth.txt": "vpnuser\nchangeme\n",
        },
      },
    ],
    secrets: [password],
  },
  {
    name: "OpenVPN profile with an inline auth-user-pass block",
    rule: "credential-in-config",
    failing: {
      "/home/admin/vpn/office.ovpn": `client\nremote vpn.example.com 1194\n<auth-user-pass>\nadmin\n${password}\n</auth-user-pass>\n`,
    },
    finding: {
      path: "/home/admin/vpn/office.ovpn",
      line: 5,
      message: admin("OpenVPN inline auth-user-pass password", "openvpn"),
      evidence: `password of admin ${maskSecret(password, 0)}`,
    },
    passing: [
      {
        why: "an inline block with the username only",
        changes: { "/home/admin/vpn/office.ovpn": "client\n<auth-user-pass>\nadmin\n</auth-user-pass>\n" },
      },
    ],
    secrets: [password],
  },
  ...SYSTEM_STORE_CASES,
];

/** The cases of one rule, as a RuleTester table. */
export function storeTable(rule: StoreCase["rule"]) {
  const cases = STORE_CASES.filter((c) => c.rule === rule);
  return {
    valid: cases.flatMap((c) => c.passing.map((p) => ({ name: `${c.name}: ${p.why}`, changes: p.changes }))),
    invalid: cases.map((c) => ({ name: c.name, changes: c.failing, findings: [c.finding] })),
  };
}
