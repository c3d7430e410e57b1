/**
 * What the content pass looks for, as data: token shapes documented by their issuers, the places
 * where a private key is expected, and the paths that hold only examples.
 */

export type SecretKind =
  | "aws-access-key-id"
  | "aws-secret-access-key"
  | "aws-session-token"
  | "github-token"
  | "gitlab-token"
  | "slack-token"
  | "slack-webhook"
  | "google-api-key"
  | "stripe-live-key"
  | "npm-token";

export interface TokenPattern {
  kind: SecretKind;
  /** Global regex; the secret is capture group 1. Bounded by non-token characters on both sides. */
  regex: RegExp;
  /** Values that are documented examples, not secrets. */
  isExample?: (value: string) => boolean;
}

// AWS documentation's example credentials (AKIAIOSFODNN7EXAMPLE, wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY, …).
const awsExample = (v: string) => v.includes("EXAMPLE");

/**
 * Name of an AWS secret/session setting in INI, YAML, JSON, env or code: aws_secret_access_key,
 * SecretAccessKey, AWS_SECRET_KEY… The optional "aws_" before it is not part of the pattern: it
 * changes neither the value nor the line, and a pattern that starts with a literal is searched
 * 2–3 times faster (these two were a fifth of the content thread's time).
 */
const AWS_SECRET_NAME = `secret[_.-]?(?:access[_.-]?)?key`;
const AWS_SESSION_NAME = `session[_.-]?token`;
/** `name  =  "value"`, `name: value`, `"name": "value"`, `name => 'value'`. */
const ASSIGN = String.raw`["']?\s*(?:=>|[:=])\s*["']?`;

export const TOKEN_PATTERNS: readonly TokenPattern[] = [
  // AWS IAM unique-ID prefixes for access keys (AKIA long-term, ASIA temporary, …) + 16 characters.
  {
    kind: "aws-access-key-id",
    regex: /(?<![A-Z0-9])((?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})(?![A-Z0-9])/g,
    isExample: awsExample,
  },
  // A secret access key is 40 base64 characters; alone it is indistinguishable, so it needs its name.
  {
    kind: "aws-secret-access-key",
    regex: new RegExp(`${AWS_SECRET_NAME}${ASSIGN}([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])`, "gi"),
    isExample: awsExample,
  },
  {
    kind: "aws-session-token",
    regex: new RegExp(`${AWS_SESSION_NAME}${ASSIGN}([A-Za-z0-9/+=]{100,})`, "gi"),
    isExample: awsExample,
  },
  // GitHub: classic tokens ghp_/gho_/ghu_/ghs_/ghr_ + 36, fine-grained github_pat_ + 82.
  {
    kind: "github-token",
    regex: /(?<![A-Za-z0-9_])((?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36})(?![A-Za-z0-9])/g,
  },
  { kind: "github-token", regex: /(?<![A-Za-z0-9_])(github_pat_[A-Za-z0-9_]{82})(?![A-Za-z0-9_])/g },
  { kind: "gitlab-token", regex: /(?<![A-Za-z0-9_])(glpat-[A-Za-z0-9_-]{20})(?![A-Za-z0-9_-])/g },
  // Slack: xoxb- bot, xoxp- user, xoxa-/xoxr- app/refresh, xoxs- session tokens.
  { kind: "slack-token", regex: /(?<![A-Za-z0-9])(xox[baprs]-[0-9]{6,}-[A-Za-z0-9-]{8,})(?![A-Za-z0-9-])/g },
  {
    kind: "slack-webhook",
    regex: /(https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]{6,}\/B[A-Z0-9]{6,}\/[A-Za-z0-9]{20,})/g,
  },
  { kind: "google-api-key", regex: /(?<![A-Za-z0-9_-])(AIza[0-9A-Za-z_-]{35})(?![A-Za-z0-9_-])/g },
  { kind: "stripe-live-key", regex: /(?<![A-Za-z0-9_])((?:sk|rk)_live_[0-9A-Za-z]{24,})(?![A-Za-z0-9])/g },
  { kind: "npm-token", regex: /(?<![A-Za-z0-9_])(npm_[A-Za-z0-9]{36})(?![A-Za-z0-9])/g },
];

/**
 * Cheap test over a whole chunk before the per-pattern regexes run: every pattern above needs
 * one of these literals, in its case (the AWS setting names in any case, as those patterns are
 * /i). Spelt out, not /i, and grouped by first letter: V8 ran it ~25 % faster so (it was a
 * quarter of each content thread's time on a 300 k-file disk), and "Asia/Tokyo" no longer
 * sends a chunk through every pattern.
 */
export const TOKEN_PREFILTER =
  /A(?:3T|KIA|SIA|BIA|CCA|Iza)|[Ss][Ee](?:[Cc][Rr][Ee][Tt]|[Ss][Ss][Ii][Oo][Nn].?[Tt][Oo][Kk][Ee][Nn])|g(?:h[pousr]_|ithub_pat_|lpat-)|xox[baprs]-|hooks\.slack|_live_|npm_/;

/**
 * The literals a match of any TOKEN_PATTERNS entry (`tokens`) or KEY_BEGIN (`keys`) holds, each
 * found by three of its bytes (its fingerprint) and confirmed by `verify`, a sticky regex matched
 * where the fingerprint starts. The content pass looks for fingerprints sixteen bytes at a time
 * (teddy.ts) and runs the patterns only over text where a literal was confirmed: a pattern added
 * above needs its literal here (literal-prescan.test.ts checks one sample of each). Fingerprints
 * are a literal's rarest three bytes in real text (the 30 k disk's 275 MB); `bucket` groups those
 * whose bytes share nibbles, so the buckets over-match least.
 */
export interface Literal {
  family: "tokens" | "keys";
  fingerprint: string;
  /** The fingerprint in any case (the AWS setting names are matched so). */
  caseless?: boolean;
  bucket: number;
  verify: RegExp;
}

export const LITERALS: readonly Literal[] = [
  { family: "tokens", fingerprint: "KIA", bucket: 0, verify: /(?<=A)KIA/y },
  { family: "tokens", fingerprint: "SIA", bucket: 0, verify: /(?<=A)SIA/y },
  { family: "tokens", fingerprint: "BIA", bucket: 0, verify: /(?<=A)BIA/y },
  { family: "tokens", fingerprint: "CCA", bucket: 0, verify: /(?<=A)CCA/y },
  { family: "tokens", fingerprint: "A3T", bucket: 7, verify: /A3T/y },
  { family: "tokens", fingerprint: "AIz", bucket: 1, verify: /AIza/y },
  { family: "tokens", fingerprint: "ecr", caseless: true, bucket: 2, verify: /(?<=s)ecret/iy },
  { family: "tokens", fingerprint: "tok", caseless: true, bucket: 3, verify: /(?<=session[_.-]?)token/iy },
  ...["hp_", "ho_", "hu_", "hs_", "hr_"].map(
    (fingerprint): Literal => ({ family: "tokens", fingerprint, bucket: 4, verify: /(?<=g)h[pousr]_/y }),
  ),
  { family: "tokens", fingerprint: "ks.", bucket: 4, verify: /(?<=hoo)ks\.slack/y },
  { family: "tokens", fingerprint: "b_p", bucket: 5, verify: /(?<=githu)b_pat_/y },
  { family: "tokens", fingerprint: "k_l", bucket: 5, verify: /(?<=[sr])k_live_/y },
  { family: "tokens", fingerprint: "pm_", bucket: 6, verify: /(?<=n)pm_/y },
  { family: "tokens", fingerprint: "xox", bucket: 6, verify: /xox[baprs]-/y },
  { family: "tokens", fingerprint: "lpa", bucket: 7, verify: /(?<=g)lpat-/y },
  { family: "keys", fingerprint: "E K", bucket: 1, verify: /(?<=PRIVAT)E KEY/y },
  { family: "keys", fingerprint: "Y-U", bucket: 1, verify: /(?<=PuTT)Y-User-Key-File-/y },
];

/** Every KEY_BEGIN match holds one of these: a text without them is not searched for keys. */
export const KEY_MARKERS: readonly string[] = ["PRIVATE KEY", "PuTTY-User-Key-File-"];

/** Opening lines of private keys: PEM (RFC 7468: PKCS#1 RSA, SEC1 EC, DSA, PKCS#8, encrypted PKCS#8, OpenSSH, PGP), SSH.com, PuTTY. */
export const KEY_BEGIN =
  /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY(?: BLOCK)?-----|---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----|PuTTY-User-Key-File-([23]): *([A-Za-z0-9@.-]+)/g;

/** Where a private key is expected and why; anywhere else it is a finding. */
export type ExpectedKey = "ssh-host-key" | "tls-snakeoil";

/**
 * Self-signed TLS keys that packages generate at install time (so at image build time): Debian's
 * ssl-cert (make-ssl-cert), RHEL-family mod_ssl (/etc/pki/tls/private/localhost.key), Cockpit.
 */
const PACKAGE_TLS_KEYS = new Set([
  "/etc/ssl/private/ssl-cert-snakeoil.key",
  "/etc/pki/tls/private/localhost.key",
  "/etc/cockpit/ws-certs.d/0-self-signed.key",
]);

const SSH_HOST_KEY = /^\/etc\/ssh\/ssh_host_[a-z0-9]+_key$/;

export function expectedKeyAt(path: string): ExpectedKey | undefined {
  if (path.startsWith("/etc/ssh/") && SSH_HOST_KEY.test(path)) return "ssh-host-key";
  if (PACKAGE_TLS_KEYS.has(path)) return "tls-snakeoil";
  return undefined;
}

/**
 * Paths that hold only documentation or example data: keys and tokens there are samples
 * (cloud-init's docs carry example keys). Prefixes, then test, fixture, example and documentation
 * folders and documents inside language package trees (Python, Node, Ruby, Go, vendored PHP):
 * awscli's examples/*.rst carry AWS's sample access keys and key pairs.
 */
export const NOISE_PREFIXES: readonly string[] = [
  "/usr/share/doc/",
  "/usr/share/man/",
  "/usr/share/info/",
  "/usr/share/locale/",
  "/usr/share/i18n/",
  "/usr/lib/locale/",
  "/usr/share/common-licenses/",
  "/usr/share/zoneinfo/",
];
const NOISE_TEST_DIRS =
  /\/(?:dist-packages|site-packages|node_modules|gems|pkg\/mod|vendor)\/(?:[^/]+\/)*?(?:tests?|testdata|test_data|fixtures|__tests__|spec|examples?|samples?|docs?)\//;
const PACKAGE_DOCUMENT =
  /\/(?:dist-packages|site-packages|node_modules|gems|pkg\/mod|vendor)\/.*\.(?:md|markdown|rst|txt)$/i;
const PYTHON_STDLIB_TESTS = /^\/usr\/(?:local\/)?lib\/python[0-9.]+\/test\//;

/**
 * Where container engines keep images' layers and containers' filesystems on the host: each is an
 * OS root of its own, whose /usr/share/doc is as much documentation as the host's (an ECS- or
 * EKS-optimised AMI ships pulled images). Docker's overlay2 and aufs, containerd's overlayfs
 * snapshotter, and podman/CRI-O's storage, also rootless in a home.
 */
const CONTAINER_ROOT =
  /^(?:\/var\/lib\/docker\/(?:overlay2\/[^/]+\/(?:diff|merged)|aufs\/(?:diff|mnt)\/[^/]+)|\/var\/lib\/containerd\/io\.containerd\.snapshotter\.v1\.overlayfs\/snapshots\/\d+\/fs|(?:\/var\/lib|\/home\/[^/]+\/\.local\/share)\/containers\/storage\/overlay\/[^/]+\/(?:diff|merged))(?=\/)/;

/**
 * Inside a package's own archive (an npm tarball in the cache, a jar, a wheel), the folders and
 * documents that are noise in an installed package tree: `package/test/fixtures/id_rsa`.
 */
const PACKAGE_MEMBER_NOISE =
  /(?:^|\/)(?:tests?|testdata|test_data|fixtures|__tests__|spec|examples?|samples?|docs?)\/|\.(?:md|markdown|rst|txt)$/i;

/** Whether `member` (its path inside the archive) of an archive in a package tree is noise. */
export function isPackageMemberNoise(member: string): boolean {
  return PACKAGE_MEMBER_NOISE.test(member);
}

export function isNoisePath(path: string): boolean {
  const inRoot = path.replace(CONTAINER_ROOT, "");
  return (
    NOISE_PREFIXES.some((p) => inRoot.startsWith(p)) ||
    NOISE_TEST_DIRS.test(path) ||
    PACKAGE_DOCUMENT.test(path) ||
    PYTHON_STDLIB_TESTS.test(inRoot)
  );
}

/**
 * Hard-coded regional AWS endpoints (ARC-7): "<service>.<region>.amazonaws.com", also dual-stack
 * and FIPS forms. Only looked for where configuration lives (SDKs under /usr carry endpoint tables).
 */
const AWS_REGION = `(?:us|eu|ap|sa|ca|me|af|il|mx|cn)-(?:gov-|iso-|isob-)?(?:north|south|east|west|central|northeast|northwest|southeast|southwest)-[0-9]`;
export const REGION_ENDPOINT = new RegExp(
  String.raw`(?<![A-Za-z0-9.-])((?:[a-z0-9-]+\.)*(?:[a-z0-9]+-)?${AWS_REGION}\.amazonaws\.com(?:\.cn)?)(?![A-Za-z0-9-])`,
  "g",
);
export const ENDPOINT_PREFIXES: readonly string[] = [
  "/etc/",
  "/opt/",
  "/srv/",
  "/usr/local/etc/",
  "/var/www/",
];

/**
 * Other cloud platforms named in login banners (USE-7: no redirection to other clouds or upsells).
 * Case-sensitive product names keep ordinary words out.
 */
export const OTHER_CLOUD =
  /\b(Microsoft Azure|Azure|Google Cloud(?: Platform)?|Google Compute Engine|GCP|DigitalOcean|Linode|Vultr|Oracle Cloud|Alibaba Cloud|Aliyun|IBM Cloud|Hetzner|OVHcloud|Scaleway|UpCloud)\b/g;
const BANNER_PATHS = new Set([
  "/etc/motd",
  "/etc/issue",
  "/etc/issue.net",
  "/etc/motd.tail",
  "/run/motd.dynamic",
]);

/** Login banners and the scripts that build the message of the day. */
export function isBannerPath(path: string): boolean {
  return BANNER_PATHS.has(path) || path.startsWith("/etc/update-motd.d/") || path.startsWith("/etc/motd.d/");
}
