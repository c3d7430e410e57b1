import { tarGz } from "../../../test/support/archives.js";
import { storeTable } from "../../../test/support/credential-store-trees.js";
import { testRule } from "../../../test/support/rule-tester.js";
import rule from "./credential-store.js";

// One failing and at least one passing tree per store the fix removes (test/support/credential-store-trees.ts).
const table = storeTable("credential-store");
testRule(rule, {
  valid: [{ name: "the clean Debian rootfs", changes: {} }, ...table.valid],
  invalid: [
    ...table.invalid,
    {
      name: "a home's backup tarball holding its .netrc (read as the file would be; fix leaves archives)",
      changes: {
        "/var/backups/home-admin.tgz": {
          type: "file",
          content: tarGz({ ".netrc": "machine git.example.org login deploy password Zq8vLw2pRmT4xK\n" }),
        },
      },
      findings: [{ path: "/var/backups/home-admin.tgz!/.netrc", line: 1, messageId: "inArchive" }],
    },
  ],
});
