import { testRule } from "../../../test/support/rule-tester.js";
import rule from "./sshd-not-enabled.js";

const WANTS = "/etc/systemd/system/multi-user.target.wants/ssh.service";
const deleted = { type: "deleted" as const };

testRule(rule, {
  valid: [
    { name: "clean Debian: ssh.service wanted by multi-user.target", changes: {} },
    {
      name: "socket activation only",
      changes: {
        [WANTS]: deleted,
        "/etc/systemd/system/sockets.target.wants/ssh.socket": {
          type: "symlink",
          target: "/lib/systemd/system/ssh.socket",
        },
      },
    },
    {
      name: "OpenRC runlevel on Alpine",
      base: "empty",
      changes: {
        "/etc/os-release": "ID=alpine\nVERSION_ID=3.20.3\n",
        "/etc/init.d/sshd": "#!/sbin/openrc-run\n",
        "/etc/runlevels/default/sshd": { type: "symlink", target: "/etc/init.d/sshd" },
      },
    },
    {
      name: "a Windows tree is not judged here",
      base: "empty",
      changes: { "/Windows/System32/config/SAM": "regf" },
    },
  ],
  invalid: [
    {
      name: "installed but not enabled",
      changes: { [WANTS]: deleted },
      findings: [
        {
          path: "/usr/lib/systemd/system/ssh.service",
          severity: "high",
          message: "ssh.service is installed but not enabled at boot, nor socket-activated",
        },
      ],
    },
    {
      name: "masked",
      changes: { "/etc/systemd/system/ssh.service": { type: "symlink", target: "/dev/null" } },
      findings: [
        { path: "/etc/systemd/system/ssh.service", message: "ssh.service is masked (linked to /dev/null)" },
      ],
    },
    {
      name: "not installed",
      changes: {
        [WANTS]: deleted,
        "/usr/lib/systemd/system/ssh.service": deleted,
        "/usr/lib/systemd/system/ssh.socket": deleted,
        "/etc/systemd/system/sshd.service": deleted,
        "/etc/init.d/ssh": deleted,
      },
      findings: [{ message: "no SSH server is installed (no ssh, sshd or dropbear unit or init script)" }],
    },
    {
      name: "SysV script without a boot link",
      base: "empty",
      changes: {
        "/etc/system-release": "Amazon Linux AMI release 2018.03\n",
        "/etc/init.d/sshd": "#!/bin/sh\n",
      },
      findings: [
        {
          path: "/etc/init.d/sshd",
          message: "/etc/init.d/sshd is installed but not started in any boot runlevel",
        },
      ],
    },
  ],
});
