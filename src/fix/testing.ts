import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  appendFileSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { debianRootfsPath } from "../../test/support/trees.js";
import type { OverlayChange } from "../fs/overlay.js";
import type { Plan } from "./planner.js";

/** A writable copy of the real Debian rootfs (cp -a: owners, modes, links kept). Remove with rmSync. */
export function copyDebian(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "amigate-fix-"));
  execFileSync("cp", ["-a", `${debianRootfsPath()}/.`, dir]);
  return dir;
}

function put(root: string, rel: string, content: string | Buffer, mode = 0o644): void {
  const p = path.join(root, rel);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, content, { mode });
}

/**
 * Seeds every violation `fix` knows into a rootfs copy: passwords (root, a login user, a blank
 * one, backups), sshd allowing passwords and root (winning in a drop-in, in the main file and in a
 * Match block), cloud-init ssh_pwauth, histories, keys, credentials, machine-id, cloud-init state,
 * leases, logs, temporary files and package caches.
 */
export function seedViolations(root: string): void {
  const hash = execFileSync("openssl", ["passwd", "-6", "-salt", "amigatesalt", "hunter2"], {
    encoding: "utf8",
  }).trim();
  const shadowPath = path.join(root, "etc/shadow");
  const shadow = readFileSync(shadowPath, "utf8")
    .replace(/^root:[^:]*:/m, `root:${hash}:`)
    .replace(/^admin:[^:]*:/m, `admin:${hash}:`);
  writeFileSync(shadowPath, `${shadow}bob::20000:0:99999:7:::\n`);
  appendFileSync(path.join(root, "etc/passwd"), "bob:x:1001:1001:Blank:/home/bob:/bin/bash\n");
  appendFileSync(path.join(root, "etc/group"), "bob:x:1001:\n");
  mkdirSync(path.join(root, "home/bob"), { recursive: true });
  writeFileSync(path.join(root, "etc/shadow-"), `${shadow}bob::20000:0:99999:7:::\n`, { mode: 0o640 });

  // PasswordAuthentication wins in the drop-in; PermitRootLogin in the main file after the Include.
  put(root, "etc/ssh/sshd_config.d/60-amigate-baseline.conf", "PasswordAuthentication yes\n");
  appendFileSync(
    path.join(root, "etc/ssh/sshd_config"),
    "PermitRootLogin yes\nKbdInteractiveAuthentication yes\nMatch User backup\n\tPasswordAuthentication yes\n",
  );
  put(root, "etc/cloud/cloud.cfg.d/50-passwords.cfg", "ssh_pwauth: true\n");

  put(root, "root/.bash_history", "export AWS_SECRET_ACCESS_KEY=abc\nmysql -p hunter2\n", 0o600);
  put(root, "home/admin/.bash_history", "sudo su\n", 0o600);
  put(root, "home/admin/.python_history", "import os\n", 0o600);

  mkdirSync(path.join(root, "home/admin/.ssh"), { recursive: true, mode: 0o700 });
  execFileSync("ssh-keygen", [
    "-q",
    "-t",
    "ed25519",
    "-N",
    "",
    "-C",
    "builder",
    "-f",
    path.join(root, "home/admin/.ssh/id_ed25519"),
  ]);
  const pub = readFileSync(path.join(root, "home/admin/.ssh/id_ed25519.pub"), "utf8");
  put(root, "home/admin/.ssh/authorized_keys", pub, 0o600);
  put(root, "root/.ssh/authorized_keys", pub, 0o600);
  execFileSync("ssh-keygen", [
    "-q",
    "-t",
    "rsa",
    "-b",
    "2048",
    "-m",
    "PEM",
    "-N",
    "",
    "-f",
    path.join(root, "home/admin/deploy.pem"),
  ]);
  for (const t of ["ed25519", "ecdsa", "rsa"])
    execFileSync("ssh-keygen", ["-q", "-t", t, "-N", "", "-f", path.join(root, `etc/ssh/ssh_host_${t}_key`)]);

  put(
    root,
    "root/.aws/credentials",
    "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
    0o600,
  );
  put(root, "home/admin/.git-credentials", "https://admin:ghp_0123456789abcdef@github.com\n", 0o600);

  put(root, "etc/machine-id", "0123456789abcdef0123456789abcdef\n", 0o444);
  put(root, "var/lib/cloud/instances/i-0abc/obj.pkl", "pickle");
  put(root, "var/lib/cloud/instances/i-0abc/sem/config_ssh", "done");
  put(root, "var/lib/cloud/data/instance-id", "i-0abc\n");
  put(root, "var/lib/cloud/scripts/per-once/setup.sh", "#!/bin/sh\necho hi\n", 0o755);
  symlinkSync("/var/lib/cloud/instances/i-0abc", path.join(root, "var/lib/cloud/instance"));
  put(root, "var/lib/dhcp/dhclient.eth0.leases", "lease { fixed-address 10.0.0.5; }\n");
  put(root, "var/log/syslog.1.gz", Buffer.from([0x1f, 0x8b, 0, 0]));
  put(root, "var/log/cloud-init.log", "ran modules\n");
  put(root, "tmp/build.sh", "#!/bin/sh\n", 0o755);
  put(root, "var/tmp/packer/state.json", "{}\n");
  put(root, "var/cache/apt/archives/curl_8.0_amd64.deb", "!<arch>\n");
  put(root, "var/cache/apt/pkgcache.bin", "cache");
}

/** sha256 of every entry below root (files: content; links: target; others: type and mode), skipping `skip`. */
export function digestTree(root: string, skip: (rel: string) => boolean = () => false): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string) => {
    for (const name of readdirSync(path.join(root, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      if (skip(r)) continue;
      const p = path.join(root, r);
      const st = lstatSync(p);
      if (st.isSymbolicLink()) out.set(r, `link:${readlinkSync(p)}`);
      else if (st.isDirectory()) {
        out.set(r, `dir:${st.mode}:${st.uid}:${st.gid}`);
        walk(r);
      } else if (st.isFile())
        out.set(
          r,
          `${createHash("sha256").update(readFileSync(p)).digest("hex")}:${st.mode}:${st.uid}:${st.gid}`,
        );
      else out.set(r, `special:${st.mode}`);
    }
  };
  walk("");
  return out;
}

export function removeTree(dir: string): void {
  try {
    execFileSync("chattr", ["-R", "-i", dir], { stdio: "ignore" });
  } catch {}
  rmSync(dir, { recursive: true, force: true });
}

/** A plan laid over the tree it was made for, as overlay changes: what the image looks like once applied. */
export function applied(
  base: Record<string, OverlayChange | string>,
  plan: Plan,
): Record<string, OverlayChange | string> {
  const out = { ...base };
  for (const c of plan.changes) {
    if (c.action === "truncate") out[c.path] = "";
    else if (c.action === "remove") out[c.path] = { type: "deleted" };
    else out[c.path] = { type: "file", content: c.content };
  }
  return out;
}
