import { testRule } from "../../../test/support/rule-tester.js";
import rule from "./first-boot-downloads.js";

const D = "/etc/cloud/cloud.cfg.d";

testRule(rule, {
  valid: [
    { name: "the clean Debian rootfs", changes: {} },
    {
      name: "runcmd without downloads",
      changes: {
        [`${D}/99-app.cfg`]: "runcmd:\n  - systemctl enable app\n  - [sh, -c, 'echo curly > /tmp/x']\n",
      },
    },
    {
      name: "a commented-out curl in rc.local",
      changes: { "/etc/rc.local": "#!/bin/sh\n# curl https://example.com/setup.sh | sh\nexit 0\n" },
    },
    {
      name: "runcmd download with cloud-init disabled",
      changes: {
        [`${D}/99-app.cfg`]: "runcmd:\n  - curl -fsSL https://example.com/x\n",
        "/etc/cloud/cloud-init.disabled": "",
      },
    },
  ],
  invalid: [
    {
      name: "runcmd curl, argv wget and bootcmd pip install",
      changes: {
        [`${D}/99-app.cfg`]:
          "bootcmd:\n  - pip3 install requests\nruncmd:\n  - echo start\n  - curl -fsSL https://get.example.com | sh\n  - [wget, -q, https://example.com/a.tgz]\n",
      },
      findings: [
        {
          path: `${D}/99-app.cfg`,
          line: 2,
          severity: "low",
          message: "A cloud-init bootcmd command downloads at first boot",
          evidence: "pip3 install requests",
        },
        {
          path: `${D}/99-app.cfg`,
          line: 5,
          message: "A cloud-init runcmd command downloads at first boot",
          evidence: "curl -fsSL https://get.example.com | sh",
        },
        { path: `${D}/99-app.cfg`, line: 6, evidence: "wget -q https://example.com/a.tgz" },
      ],
    },
    {
      name: "git clone in rc.local and a per-instance script",
      changes: {
        "/etc/rc.local": "#!/bin/sh\ngit clone https://github.com/example/app /opt/app\nexit 0\n",
        "/var/lib/cloud/scripts/per-instance/10-setup":
          "#!/bin/sh\nset -e\nwget -O /tmp/agent.deb https://example.com/agent.deb\n",
      },
      findings: [
        {
          path: "/etc/rc.local",
          line: 2,
          message: "A boot script command downloads at first boot",
          evidence: "git clone https://github.com/example/app /opt/app",
        },
        {
          path: "/var/lib/cloud/scripts/per-instance/10-setup",
          line: 3,
          evidence: "wget -O /tmp/agent.deb https://example.com/agent.deb",
        },
      ],
    },
  ],
});
