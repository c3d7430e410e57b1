import { debianText } from "../../../test/support/debian-files.js";
import { testRule } from "../../../test/support/rule-tester.js";
import rule from "./no-sudo-admin.js";

const group = debianText("/etc/group");
const noCloudInit = { "/etc/systemd/system/cloud-init.target.wants": { type: "deleted" as const } };

testRule(rule, {
  valid: [
    { name: "clean Debian: cloud-init creates the sudo user at first boot", changes: {} },
    {
      name: "no cloud-init, admin in the sudo group",
      changes: { ...noCloudInit, "/etc/group": group.replace("sudo:x:27:", "sudo:x:27:admin") },
    },
    {
      name: "no cloud-init, admin granted in sudoers.d",
      changes: { ...noCloudInit, "/etc/sudoers.d/admin": "admin ALL=(ALL) NOPASSWD:ALL\n" },
    },
    { name: "not a Linux tree", base: "empty", changes: { "/Windows/System32/config/SAM": "regf" } },
  ],
  invalid: [
    {
      name: "no cloud-init and nobody in the sudo group",
      changes: noCloudInit,
      findings: [
        {
          path: "/etc/sudoers",
          severity: "medium",
          message:
            "no account with a login shell has a full sudo grant, root is locked and cloud-init is not enabled",
        },
      ],
    },
    {
      name: "only a narrow grant",
      changes: {
        ...noCloudInit,
        "/etc/sudoers.d/admin": "admin ALL=(root) /usr/bin/systemctl restart nginx\n",
      },
      findings: [{ path: "/etc/sudoers" }],
    },
    {
      name: "no sudo at all",
      changes: { ...noCloudInit, "/etc/sudoers": { type: "deleted" }, "/etc/sudoers.d": { type: "deleted" } },
      findings: [
        {
          path: "/etc/sudoers",
          message: "sudo is not configured, root is locked and cloud-init is not enabled",
        },
      ],
    },
  ],
});
