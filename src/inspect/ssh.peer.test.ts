import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { debianRootfsPath, memoryImage } from "../../test/support/trees.js";
import { sshdFactsFrom } from "./ssh.js";
import { parseSshdConfig } from "./sshd-config.js";

/**
 * The peer tool: OpenSSH's own `sshd -T` (the binary of the Debian rootfs, 9.2p1) prints the
 * configuration it would use. Each case is written to a host temporary directory, read by sshd
 * there and by our parser at the same paths inside a memory image, and the keywords compared.
 * sshd needs its privilege-separation user and /run/sshd, so it runs in a private mount namespace
 * with a bind-mounted passwd (the host is not changed); skipped when that is not possible.
 */
const rootfs = debianRootfsPath();
const sshdBin = path.join(rootfs, "usr/sbin/sshd");
const canRun =
  process.getuid?.() === 0 && existsSync(sshdBin) && spawnSync("unshare", ["--version"]).status === 0;
const dir = mkdtempSync(path.join(tmpdir(), "amigate-sshd-peer-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function setupHost(): void {
  copyFileSync("/etc/passwd", path.join(dir, "passwd"));
  appendFileSync(path.join(dir, "passwd"), "sshd:x:105:65534::/run/sshd:/usr/sbin/nologin\n");
  mkdirSync(path.join(dir, "run/sshd"), { recursive: true });
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(dir, "hostkey")]);
}

const KEYWORDS = [
  "passwordauthentication",
  "permitrootlogin",
  "permitemptypasswords",
  "kbdinteractiveauthentication",
  "usepam",
  "authorizedkeysfile",
];
// sshd -T prints the old name of prohibit-password.
const norm = (v: string) => (v === "without-password" ? "prohibit-password" : v);

function sshdT(files: Record<string, string>): Record<string, string> {
  const conf = path.join(dir, "conf");
  rmSync(conf, { recursive: true, force: true });
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(conf, rel)), { recursive: true });
    writeFileSync(path.join(conf, rel), text.replaceAll("@DIR@", conf));
  }
  const lib = `${rootfs}/usr/lib/x86_64-linux-gnu:${rootfs}/lib/x86_64-linux-gnu`;
  const script = `mount --bind ${dir}/passwd /etc/passwd && mount --bind ${dir}/run /run && LD_LIBRARY_PATH=${lib} ${sshdBin} -T -f ${conf}/sshd_config -h ${dir}/hostkey`;
  const out = execFileSync("unshare", ["-m", "sh", "-c", script], { encoding: "utf8" });
  const values: Record<string, string> = {};
  for (const line of out.split("\n")) {
    const [k, ...rest] = line.split(" ");
    if (k && KEYWORDS.includes(k)) values[k] = norm(rest.join(" "));
  }
  return values;
}

async function ours(files: Record<string, string>): Promise<Record<string, string>> {
  const conf = path.join(dir, "conf");
  const tree = Object.fromEntries(
    Object.entries(files).map(([rel, t]) => [path.join(conf, rel), t.replaceAll("@DIR@", conf)]),
  );
  const facts = sshdFactsFrom(await parseSshdConfig(memoryImage(tree), path.join(conf, "sshd_config")), true);
  return Object.fromEntries(KEYWORDS.map((k) => [k, norm(facts.get(k)!.value)]));
}

const debianMain = readFileSync(path.join(rootfs, "etc/ssh/sshd_config"), "utf8").replace(
  "Include /etc/ssh/sshd_config.d/*.conf",
  "Include @DIR@/sshd_config.d/*.conf",
);
const debianBaseline = readFileSync(
  path.join(rootfs, "etc/ssh/sshd_config.d/60-amigate-baseline.conf"),
  "utf8",
);

const CASES: Record<string, Record<string, string>> = {
  "the Debian configuration": {
    sshd_config: debianMain,
    "sshd_config.d/60-amigate-baseline.conf": debianBaseline,
  },
  "cloud-init's drop-in before the baseline": {
    sshd_config: debianMain,
    "sshd_config.d/50-cloud-init.conf": "PasswordAuthentication yes\n",
    "sshd_config.d/60-amigate-baseline.conf": debianBaseline,
  },
  "defaults only": { sshd_config: "# nothing\n" },
  "= separator, quotes, case, aliases": {
    sshd_config:
      'passwordauthentication="NO"\nPERMITROOTLOGIN = without-password\nChallengeResponseAuthentication no\nUsePAM\tyes # comment\n',
  },
  "Match all overrides an earlier global value": {
    sshd_config:
      "PasswordAuthentication no\nMatch all\nPasswordAuthentication yes\nPermitEmptyPasswords yes\n",
  },
  "an Include inside a Match block stays conditional": {
    sshd_config: "Match User bob\nInclude @DIR@/inc/*.conf\nMatch all\nKbdInteractiveAuthentication no\n",
    "inc/a.conf": "PasswordAuthentication no\nMatch User alice\nPermitRootLogin no\n",
  },
  "AuthorizedKeysFile: the first line wins as a whole": {
    sshd_config: "AuthorizedKeysFile .ssh/k1 /etc/ssh/keys/%u\nAuthorizedKeysFile .ssh/k2\n",
  },
};

describe("sshd -T agrees with the parser", {
  skip: canRun ? false : "needs root, unshare and the Debian rootfs sshd",
}, () => {
  if (canRun) setupHost();
  for (const [name, files] of Object.entries(CASES))
    it(name, async () => {
      assert.deepEqual(await ours(files), sshdT(files));
    });
});
