import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { debianImage, memoryImage } from "../../test/support/trees.js";
import type { Image } from "../fs/image.js";
import { FactStore } from "./context.js";
import { inspectorsByName } from "./registry.js";
import { servicesInspector } from "./services.js";

const servicesOf = (image: Image) => new FactStore(image, inspectorsByName).get("services");
const WANTS = "/etc/systemd/system/multi-user.target.wants";

describe("services inspector", () => {
  it("declares the directories it reads", () => {
    assert.ok(servicesInspector.paths.includes("/etc/systemd/system/*.wants/*"));
    assert.ok(servicesInspector.paths.includes("/etc/runlevels/default/*"));
  });

  it("reads the real Debian rootfs: ssh enabled, sshd an alias, sudo masked", async () => {
    const s = await servicesOf(debianImage());
    assert.deepEqual(s.isEnabled("ssh"), {
      name: "ssh.service",
      via: "systemd",
      target: "multi-user.target",
      path: `${WANTS}/ssh.service`,
    });
    assert.equal(s.isEnabled("sshd.service"), s.isEnabled("ssh"));
    assert.equal(s.aliases.get("sshd.service"), "ssh.service");
    assert.equal(s.isEnabled("ssh.socket"), undefined);
    assert.ok(s.unitExists("ssh.socket") && s.unitExists("sshd.service") && !s.unitExists("telnet.service"));
    assert.ok(s.isMasked("sudo.service"));
    assert.equal(s.isEnabled("sudo"), undefined); // rc links of a masked native unit do not count
    assert.equal(s.isEnabled("cloud-init")?.target, "cloud-init.target");
    assert.equal(s.isEnabled("apt-daily.timer")?.target, "timers.target");
    // SysV scripts without a native unit are enabled through their rc links.
    assert.deepEqual(s.isEnabled("hwclock.sh"), {
      name: "hwclock.sh",
      via: "sysv",
      target: "rcS",
      path: "/etc/rcS.d/S01hwclock.sh",
    });
    assert.deepEqual(
      s.enabled
        .filter((e) => e.via === "systemd")
        .map((e) => e.name)
        .sort(),
      [
        "apt-daily-upgrade.timer",
        "apt-daily.timer",
        "cloud-config.service",
        "cloud-final.service",
        "cloud-init-hotplugd.socket",
        "cloud-init-local.service",
        "cloud-init.service",
        "dpkg-db-backup.timer",
        "e2scrub_all.timer",
        "e2scrub_reap.service",
        "fstrim.timer",
        "ssh.service",
      ],
    );
    assert.ok(s.initScripts.includes("ssh"));
  });

  it("drops a service whose wants link is gone, even with SysV links left", async () => {
    const s = await servicesOf(debianImage({ [`${WANTS}/ssh.service`]: { type: "deleted" } }));
    assert.equal(s.isEnabled("ssh"), undefined);
    assert.ok(s.unitExists("ssh.service"));
  });

  it("a mask in /etc wins over the enabling link", async () => {
    const s = await servicesOf(
      debianImage({ "/etc/systemd/system/ssh.service": { type: "symlink", target: "/dev/null" } }),
    );
    assert.equal(s.isEnabled("ssh"), undefined);
    assert.ok(s.isMasked("ssh.service") && s.isMasked("sshd.service"));
  });

  it("sees socket activation and template instances", async () => {
    const s = await servicesOf(
      debianImage({
        "/etc/systemd/system/sockets.target.wants/ssh.socket": {
          type: "symlink",
          target: "/lib/systemd/system/ssh.socket",
        },
        "/usr/lib/systemd/system/getty@.service": "[Unit]\n",
        "/etc/systemd/system/getty.target.wants/getty@tty1.service": {
          type: "symlink",
          target: "/lib/systemd/system/getty@.service",
        },
      }),
    );
    assert.equal(s.isEnabled("ssh.socket")?.target, "sockets.target");
    assert.equal(s.isEnabled("getty@tty1.service")?.target, "getty.target");
    assert.ok(s.unitExists("getty@tty1.service"));
  });

  it("reads SysV rc links (Red Hat layout) and OpenRC runlevels", async () => {
    const sysv = await servicesOf(
      memoryImage({
        "/etc/inittab": "id:3:initdefault:\n",
        "/etc/rc.d/init.d/sshd": "#!/bin/sh\n",
        "/etc/rc.d/rc3.d/S99gone": { type: "symlink", target: "../init.d/gone" },
        "/etc/rc.d/rc3.d/S55sshd": { type: "symlink", target: "../init.d/sshd" },
        "/etc/rc.d/rc3.d/K10ntpd": { type: "symlink", target: "../init.d/ntpd" },
        "/etc/rc3.d": { type: "symlink", target: "rc.d/rc3.d" },
      }),
    );
    assert.deepEqual(sysv.enabled, [
      { name: "sshd", via: "sysv", target: "rc3", path: "/etc/rc.d/rc3.d/S55sshd" },
    ]);
    assert.equal(sysv.isEnabled("ntpd"), undefined);
    assert.deepEqual(sysv.initSystems, ["sysv"]);
    const openrc = await servicesOf(
      memoryImage({
        "/etc/init.d/sshd": "#!/sbin/openrc-run\n",
        "/etc/runlevels/default/sshd": { type: "symlink", target: "/etc/init.d/sshd" },
      }),
    );
    assert.deepEqual(openrc.isEnabled("sshd"), {
      name: "sshd",
      via: "openrc",
      target: "default",
      path: "/etc/runlevels/default/sshd",
    });
    assert.deepEqual(openrc.initSystems, ["openrc"]);
    assert.deepEqual(openrc.initScripts, ["sshd"]);
  });
});
