import { testRule } from "../../../test/support/rule-tester.js";
import { debianFile } from "../../../test/support/ssh-test-trees.js";
import rule from "./cloud-init-password-auth.js";

const CFG = "/etc/cloud/cloud.cfg";
const D = "/etc/cloud/cloud.cfg.d";

testRule(rule, {
  valid: [
    { name: "the clean Debian rootfs (default user locked, disable_root true)", changes: {} },
    { name: "ssh_pwauth false", changes: { [`${D}/99-seller.cfg`]: "ssh_pwauth: false\n" } },
    { name: "ssh_pwauth unchanged", changes: { [`${D}/99-seller.cfg`]: "ssh_pwauth: unchanged\n" } },
    {
      name: "a later file turns ssh_pwauth back off",
      changes: { [`${D}/50-a.cfg`]: "ssh_pwauth: true\n", [`${D}/90-b.cfg`]: "ssh_pwauth: no\n" },
    },
    {
      name: "a user with a password hash but lock_passwd left at its default (true)",
      changes: { [`${D}/99-seller.cfg`]: "users:\n  - default\n  - name: app\n    passwd: $6$abc$def\n" },
    },
    {
      name: "cloud-init disabled by cloud-init.disabled",
      changes: { [`${D}/99-seller.cfg`]: "ssh_pwauth: true\n", "/etc/cloud/cloud-init.disabled": "" },
    },
  ],
  invalid: [
    {
      name: "ssh_pwauth: true in a drop-in, even though sshd says no",
      changes: { [`${D}/99-seller.cfg`]: "# seller\nssh_pwauth: true\n" },
      findings: [
        {
          path: `${D}/99-seller.cfg`,
          line: 2,
          severity: "high",
          message: "ssh_pwauth is true: cloud-init enables SSH password authentication at first boot",
          evidence: "ssh_pwauth: true",
        },
      ],
    },
    {
      name: "ssh_pwauth: yes (a YAML 1.1 boolean) in cloud.cfg",
      changes: { [CFG]: `${debianFile(CFG)}ssh_pwauth: yes\n` },
      findings: [{ path: CFG, line: 117, evidence: "ssh_pwauth: true" }],
    },
    {
      name: "the default user unlocked with a plain-text password",
      changes: {
        [`${D}/99-seller.cfg`]:
          "system_info:\n  default_user:\n    name: admin\n    lock_passwd: false\n    plain_text_passwd: Sup3rSecret\n",
      },
      findings: [
        {
          path: `${D}/99-seller.cfg`,
          line: 2,
          message: "cloud-init user admin has lock_passwd: false and a password",
          evidence: "plain_text_passwd: Sup3******* (11 chars)",
        },
      ],
    },
    {
      name: "a user without a name, unlocked with a password",
      changes: { [`${D}/99-seller.cfg`]: "users:\n  - lock_passwd: false\n    passwd: $6$abc$def\n" },
      findings: [
        {
          path: `${D}/99-seller.cfg`,
          messageId: "unnamedUserPassword",
          message: "cloud-init user (unnamed) has lock_passwd: false and a password",
          evidence: "passwd: $6$a****** (10 chars)",
        },
      ],
    },
    {
      name: "chpasswd list, chpasswd users with RANDOM, and the top-level password",
      changes: {
        [`${D}/99-seller.cfg`]:
          "chpasswd:\n  expire: false\n  list: |\n    root:toor\n  users:\n    - name: debian\n      password: RANDOM\n      type: RANDOM\npassword: passw0rd\n",
      },
      findings: [
        {
          path: `${D}/99-seller.cfg`,
          line: 3,
          message: "cloud-init sets a password for root at first boot",
          evidence: "root: ****",
        },
        {
          path: `${D}/99-seller.cfg`,
          line: 6,
          message: "cloud-init sets a password for debian at first boot",
          evidence: "debian: RANDOM",
        },
        {
          path: `${D}/99-seller.cfg`,
          line: 9,
          message: "cloud-init sets a password for debian at first boot",
          evidence: "debian: pass**** (8 chars)",
        },
      ],
    },
    {
      name: "disable_root: false",
      changes: { [`${D}/99-seller.cfg`]: "disable_root: false\n" },
      findings: [
        {
          path: `${D}/99-seller.cfg`,
          line: 1,
          message: "disable_root is false: cloud-init lets root log in over SSH with the launch key pair",
          evidence: "disable_root: false",
        },
      ],
    },
  ],
});
