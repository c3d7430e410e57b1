import { tarGz } from "../../../test/support/archives.js";
import { storeTable } from "../../../test/support/credential-store-trees.js";
import { testRule } from "../../../test/support/rule-tester.js";
import rule from "./credential-in-config.js";

// One failing and at least one passing tree per configuration store (test/support/credential-store-trees.ts).
const table = storeTable("credential-in-config");
testRule(rule, {
  valid: [{ name: "the clean Debian rootfs", changes: {} }, ...table.valid],
  invalid: [
    ...table.invalid,
    {
      name: "an /etc backup tarball holding Postfix's sasl_passwd",
      changes: {
        "/var/backups/etc.tar.gz": {
          type: "file",
          content: tarGz({ "etc/postfix/sasl_passwd": "[smtp.example.org]:587 relay:Zq8vLw2pRmT4xK\n" }),
        },
      },
      findings: [
        { path: "/var/backups/etc.tar.gz!/etc/postfix/sasl_passwd", line: 1, messageId: "inArchive" },
      ],
    },
  ],
});
