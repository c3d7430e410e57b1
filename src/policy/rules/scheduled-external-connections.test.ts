import { testRule } from "../../../test/support/rule-tester.js";
import rule from "./scheduled-external-connections.js";

testRule(rule, {
  valid: [
    { name: "the Debian rootfs (its own cron jobs stay local)", changes: {} },
    {
      name: "a cron job that only rotates local files",
      changes: { "/etc/cron.d/app": "SHELL=/bin/sh\n*/5 * * * * root /usr/local/bin/rotate --keep 3\n" },
    },
  ],
  invalid: [
    {
      name: "a cron job posting metrics home",
      changes: {
        "/etc/cron.d/app":
          '# metrics\nMAILTO=""\n0 * * * * root curl -s -X POST https://metrics.vendor.example/v1/ping -d @/var/lib/app/stats\n',
      },
      findings: [
        { path: "/etc/cron.d/app", line: 3, message: "a cron job connects to metrics.vendor.example" },
      ],
    },
    {
      name: "a user crontab downloading updates",
      changes: {
        "/var/spool/cron/crontabs/admin": "@daily wget -q -O /tmp/u.sh http://updates.vendor.example/u.sh\n",
      },
      findings: [
        {
          path: "/var/spool/cron/crontabs/admin",
          line: 1,
          message: "a cron job connects to updates.vendor.example",
        },
      ],
    },
    {
      name: "an enabled systemd timer whose service uploads logs",
      changes: {
        "/etc/systemd/system/upload.timer": "[Timer]\nOnCalendar=hourly\n[Install]\nWantedBy=timers.target\n",
        "/etc/systemd/system/upload.service":
          "[Service]\nExecStart=/usr/bin/aws s3 cp /var/log/app s3://vendor-logs/ --recursive\n",
        "/etc/systemd/system/timers.target.wants/upload.timer": {
          type: "symlink",
          target: "/etc/systemd/system/upload.timer",
        },
      },
      findings: [
        {
          path: "/etc/systemd/system/upload.service",
          line: 2,
          message: "a systemd timer connects to vendor-logs",
        },
      ],
    },
  ],
});
