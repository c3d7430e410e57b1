import { readFileSync } from "node:fs";
import path from "node:path";
import { testRule } from "../../../test/support/rule-tester.js";
import { debianRootfsPath } from "../../../test/support/trees.js";
import rule from "./other-cloud-banner.js";

const motd = readFileSync(path.join(debianRootfsPath(), "etc/motd"), "utf8");

testRule(rule, {
  valid: [
    { name: "the clean Debian rootfs", changes: {} },
    {
      name: "another cloud named outside the login banners",
      changes: { "/opt/app/docs/deploy.txt": "Also runs on Microsoft Azure and Google Cloud.\n" },
    },
  ],
  invalid: [
    {
      name: "an upsell in the motd and an update-motd.d script",
      changes: {
        "/etc/motd": `${motd}\nGet 20% off our managed edition on Google Cloud: https://example.com/gcp\n`,
        "/etc/update-motd.d/90-vendor": '#!/bin/sh\necho "Also available on DigitalOcean Marketplace"\n',
      },
      findings: [
        {
          path: "/etc/motd",
          line: motd.split("\n").length + 1,
          severity: "low",
          message: "login banner names Google Cloud",
          evidence: "Get 20% off our managed edition on Google Cloud: https://example.com/gcp",
        },
        { path: "/etc/update-motd.d/90-vendor", line: 2, message: "login banner names DigitalOcean" },
      ],
    },
  ],
});
