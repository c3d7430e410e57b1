import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { SshdConnection } from "../../src/inspect/sshd-match.js";
import { debianRootfsPath } from "./trees.js";

/**
 * OpenSSH's own sshd (the Debian rootfs's, 9.2p1) as an oracle: `sshd -t` says whether it would
 * start with a configuration, `sshd -T -C user=…,host=…,addr=…,laddr=…,lport=…` what it would use
 * for one connection. It runs chrooted in the cached rootfs inside a private mount namespace:
 * /etc/ssh, /etc/passwd, /etc/group and /run are bind mounts there, so neither the host nor the
 * cached rootfs changes. Configurations are run in one batch (one shell loop) because each sshd
 * start costs about 20 ms.
 */

/** A connection profile with the account behind it (written to the chroot's passwd and group). */
export interface OracleProfile extends SshdConnection {
  uid: number;
}

export interface OracleVerdict {
  /** sshd -t failed: what it said. */
  refused?: string;
  /** Per profile, in order: the printed keywords, or what sshd said when it stopped. */
  profiles: Array<{ values: Record<string, string> } | { error: string }>;
}

/** Why the oracle cannot run here, or undefined when it can. */
export function oracleUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root (mount namespace and chroot)";
  if (spawnSync("unshare", ["--version"]).status !== 0) return "needs unshare";
  if (!existsSync(path.join(debianRootfsPath(), "usr/sbin/sshd"))) return "needs the Debian rootfs sshd";
  return undefined;
}

const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

function accountFiles(profiles: readonly OracleProfile[]): { passwd: string; group: string } {
  const users = new Map<string, OracleProfile>();
  for (const p of profiles) if (p.uid >= 0 && !users.has(p.user)) users.set(p.user, p);
  const passwd = ["root:x:0:0:root:/root:/bin/sh", "sshd:x:105:65534::/run/sshd:/usr/sbin/nologin"];
  const groups = new Map<string, { gid: number; members: string[] }>([
    ["root", { gid: 0, members: [] }],
    ["nogroup", { gid: 65534, members: [] }],
  ]);
  let nextGid = 3000;
  for (const p of users.values()) {
    const [primary, ...others] = p.groups;
    if (primary && !groups.has(primary)) groups.set(primary, { gid: p.uid, members: [] });
    if (p.user !== "root")
      passwd.push(`${p.user}:x:${p.uid}:${groups.get(primary!)?.gid ?? 65534}::/home/${p.user}:/bin/sh`);
    for (const g of others) {
      if (!groups.has(g)) groups.set(g, { gid: nextGid++, members: [] });
      groups.get(g)!.members.push(p.user);
    }
  }
  const group = [...groups].map(([name, g]) => `${name}:x:${g.gid}:${g.members.join(",")}`);
  return { passwd: `${passwd.join("\n")}\n`, group: `${group.join("\n")}\n` };
}

function spec(p: OracleProfile): string {
  return `user=${p.user},host=${p.host},addr=${p.address},laddr=${p.localAddress},lport=${p.localPort}`;
}

/**
 * Runs sshd over every configuration (files relative to /etc/ssh) for every profile. Profiles
 * with a uid of -1 are users that do not exist.
 */
export function runSshdOracle(
  configs: ReadonlyArray<Record<string, string | Buffer>>,
  profiles: readonly OracleProfile[],
): OracleVerdict[] {
  const rootfs = debianRootfsPath();
  const work = mkdtempSync(path.join(tmpdir(), "amigate-sshd-oracle-"));
  try {
    const { passwd, group } = accountFiles(profiles);
    mkdirSync(path.join(work, "etc"));
    writeFileSync(path.join(work, "etc/passwd"), passwd);
    writeFileSync(path.join(work, "etc/group"), group);
    mkdirSync(path.join(work, "run/sshd"), { recursive: true });
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(work, "run/hostkey")]);
    const specs = profiles.map((p) => shellQuote(spec(p))).join(" ");
    const names: string[] = [];
    for (const [i, files] of configs.entries()) {
      const name = String(i).padStart(5, "0");
      names.push(name);
      const dir = path.join(work, "run/configs", name);
      mkdirSync(dir, { recursive: true });
      for (const [rel, text] of Object.entries(files)) {
        mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        writeFileSync(path.join(dir, rel), text);
      }
    }
    mkdirSync(path.join(work, "run/out"));
    // Inside the chroot (/run is the work directory's run/): each configuration is bind-mounted on
    // /etc/ssh in turn (stacked, the namespace goes away at the end). When the first connection
    // fails, `sshd -t` tells a configuration sshd refuses from one it drops that connection for.
    writeFileSync(
      path.join(work, "run/batch.sh"),
      [
        "for c in /run/configs/*; do",
        '  out=/run/out/"$(basename "$c")"',
        '  mount --bind "$c" /etc/ssh || exit 98',
        "  first=1",
        `  for spec in ${specs}; do`,
        '    if /usr/sbin/sshd -T -h /run/hostkey -C "$spec" > /run/last 2>&1; then',
        '      { echo "@@profile"; cat /run/last; } >> "$out"',
        "    elif [ $first = 1 ] && ! /usr/sbin/sshd -t -h /run/hostkey > /dev/null 2>&1; then",
        '      { echo "@@refused"; cat /run/last; } >> "$out"',
        "      break",
        "    else",
        '      { echo "@@profile"; cat /run/last; echo "@@failed"; } >> "$out"',
        "    fi",
        "    first=0",
        "  done",
        "done",
        "",
      ].join("\n"),
    );
    const q = (p: string) => shellQuote(p);
    const script = [
      "set -u",
      `mount --bind ${q(`${work}/etc/passwd`)} ${q(`${rootfs}/etc/passwd`)} || exit 97`,
      `mount --bind ${q(`${work}/etc/group`)} ${q(`${rootfs}/etc/group`)} || exit 97`,
      `mount --bind ${q(`${work}/run`)} ${q(`${rootfs}/run`)} || exit 97`,
      `exec chroot ${q(rootfs)} /bin/sh /run/batch.sh`,
      "",
    ].join("\n");
    writeFileSync(path.join(work, "batch.sh"), script);
    chmodSync(path.join(work, "batch.sh"), 0o755);
    execFileSync("unshare", ["-m", "--propagation", "private", "sh", path.join(work, "batch.sh")], {
      stdio: ["ignore", "ignore", "inherit"],
    });
    return names.map((name) => parseVerdict(readFileSync(path.join(work, "run/out", name), "utf8")));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function parseVerdict(out: string): OracleVerdict {
  if (out.includes("@@refused")) return { refused: out.replace("@@refused", "").trim(), profiles: [] };
  const profiles = out
    .split("@@profile\n")
    .slice(1)
    .map((chunk) => {
      if (chunk.includes("@@failed")) return { error: chunk.replace("@@failed", "").trim() };
      const values: Record<string, string> = {};
      for (const line of chunk.split("\n")) {
        const space = line.indexOf(" ");
        if (space > 0) values[line.slice(0, space)] = line.slice(space + 1);
      }
      return { values };
    });
  return { profiles };
}
