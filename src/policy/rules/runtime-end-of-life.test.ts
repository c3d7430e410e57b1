import { testRule } from "../../../test/support/rule-tester.js";
import rule from "./runtime-end-of-life.js";

/**
 * The tester scans on today's date, so every case is one whose verdict no later date changes: no
 * known end of life, or one already past. The trees are small (the Debian rootfs's own Python
 * nears its end of life as time passes); sec-rules.test.ts judges dates with a fixed --as-of.
 */
const OS = { "/etc/os-release": "ID=debian\nVERSION_ID=12\n" };
const dpkgStatus = (name: string, version: string) => ({
  "/var/lib/dpkg/status": `Package: ${name}\nStatus: install ok installed\nArchitecture: amd64\nVersion: ${version}\n\n`,
});

testRule(rule, {
  valid: [
    { name: "no runtime installed", base: "empty", changes: OS },
    {
      name: "nginx 1.30 from a package: a cycle without an end of life",
      base: "empty",
      changes: { ...OS, ...dpkgStatus("nginx", "1.30.0-1") },
    },
    {
      name: "a versioned binary of a cycle the dataset does not know",
      base: "empty",
      changes: { ...OS, "/usr/local/bin/python3.99": "" },
    },
  ],
  invalid: [
    {
      name: "a python3.9 binary in /usr/local/bin",
      base: "empty",
      changes: { ...OS, "/usr/local/bin/python3.9": "" },
      findings: [{ severity: "medium", message: "runtime Python 3.9 reached end of life on 2025-10-31" }],
    },
    {
      name: "Node.js 16 named by its installed node_version.h",
      base: "empty",
      changes: {
        ...OS,
        "/usr/local/include/node/node_version.h":
          "#define NODE_MAJOR_VERSION 16\n#define NODE_MINOR_VERSION 20\n#define NODE_PATCH_VERSION 2\n",
      },
      findings: [{ message: "runtime Node.js 16 reached end of life on 2023-09-11" }],
    },
    {
      name: "PHP 7.4 from a package",
      base: "empty",
      changes: { ...OS, ...dpkgStatus("php7.4-cli", "7.4.33-1+deb11u5") },
      findings: [{ message: "runtime PHP 7.4 reached end of life on 2022-11-28" }],
    },
    {
      name: "Node.js 3 (io.js era): an end of life without a date",
      base: "empty",
      changes: {
        ...OS,
        "/usr/local/include/node/node_version.h":
          "#define NODE_MAJOR_VERSION 3\n#define NODE_MINOR_VERSION 3\n#define NODE_PATCH_VERSION 1\n",
      },
      findings: [
        {
          severity: "medium",
          messageId: "endOfLifeUndated",
          data: { name: "Node.js 3", extended: "" },
          message: "runtime Node.js 3 reached end of life",
        },
      ],
    },
    {
      name: "a python3.9 binary on its last supported day",
      base: "empty",
      changes: { ...OS, "/usr/local/bin/python3.9": "" },
      inspect: { now: new Date("2025-10-31T12:00:00Z") },
      findings: [
        {
          severity: "low",
          messageId: "endOfLifeSoon",
          message: "runtime Python 3.9 reaches end of life on 2025-10-31 (in 0 days)",
        },
      ],
    },
  ],
  messagesJudgedElsewhere: {
    freeExtended: {
      why: "only distributions have free extended support (data/free-extended-support.json), never a runtime",
      test: "sec-rules.test.ts",
    },
    freeExtendedEnding: {
      why: "only distributions have free extended support (data/free-extended-support.json), never a runtime",
      test: "sec-rules.test.ts",
    },
  },
});
