import { testRule } from "../../../test/support/rule-tester.js";
import rule from "./os-end-of-life.js";

/**
 * The tester scans on today's date unless a case sets `now`, so every other case is one whose
 * verdict no later date changes: no known end of life, or one already past (data/eol.json is a
 * dated snapshot). sec-rules.test.ts judges more dates around an end of life.
 */
const osRelease = (id: string, version: string) => ({
  "/etc/os-release": `ID=${id}\nVERSION_ID="${version}"\n`,
});

testRule(rule, {
  valid: [
    { name: "Oracle Linux 10: no end of life announced", base: "empty", changes: osRelease("ol", "10.1") },
    {
      name: "an OS with no dates in the dataset (Gentoo)",
      base: "empty",
      changes: osRelease("gentoo", "2.15"),
    },
    { name: "no os-release at all", base: "empty", changes: { "/etc/hostname": "box\n" } },
  ],
  invalid: [
    {
      name: "Debian 10: past its regular support and past Debian LTS",
      base: "empty",
      changes: osRelease("debian", "10"),
      findings: [
        {
          path: "/etc/os-release",
          severity: "high",
          message:
            "the operating system Debian 10 (Buster) reached end of life on 2022-09-10; Debian LTS ran to 2024-06-30",
        },
      ],
    },
    {
      name: "CentOS 7",
      base: "empty",
      changes: osRelease("centos", "7"),
      findings: [{ message: "the operating system CentOS 7 reached end of life on 2024-06-30" }],
    },
    {
      name: "CentOS 7 known only from the vendor's /usr/lib/os-release: the finding points there",
      base: "empty",
      changes: { "/usr/lib/os-release": 'ID=centos\nVERSION_ID="7"\n' },
      findings: [
        {
          path: "/usr/lib/os-release",
          message: "the operating system CentOS 7 reached end of life on 2024-06-30",
        },
      ],
    },
    {
      name: "Amazon Linux 2 on its last supported day",
      base: "empty",
      changes: osRelease("amzn", "2"),
      inspect: { now: new Date("2026-06-30T12:00:00Z") },
      findings: [
        {
          severity: "low",
          messageId: "endOfLifeSoon",
          data: { name: "Amazon Linux 2", eol: "2026-06-30", daysLeft: 0, extended: "", runtimes: "" },
          message: "the operating system Amazon Linux 2 reaches end of life on 2026-06-30 (in 0 days)",
        },
      ],
    },
    {
      name: "Debian 12 in Debian LTS: an info note",
      base: "empty",
      changes: osRelease("debian", "12"),
      inspect: { now: new Date("2026-12-04T12:00:00Z") },
      findings: [
        {
          severity: "info",
          messageId: "freeExtended",
          message:
            "the operating system Debian 12 (Bookworm) is in Debian LTS until 2028-06-30 (free security support from the distribution, counted as supported); regular security support ended on 2026-07-11",
        },
      ],
    },
    {
      name: "Debian 12 near the end of Debian LTS",
      base: "empty",
      changes: osRelease("debian", "12"),
      inspect: { now: new Date("2028-05-01T12:00:00Z") },
      findings: [
        {
          severity: "low",
          messageId: "freeExtendedEnding",
          message:
            "the operating system Debian 12 (Bookworm) is in Debian LTS (free security support from the distribution, counted as supported), which ends on 2028-06-30 (in 60 days); regular security support ended on 2026-07-11",
        },
      ],
    },
    {
      name: "the Debian rootfs on 2028-01-01: Debian LTS, its packaged Python 3.11 patched with it",
      changes: {},
      inspect: { now: new Date("2028-01-01T12:00:00Z") },
      findings: [
        {
          severity: "info",
          messageId: "freeExtended",
          message:
            "the operating system Debian 12 (Bookworm) is in Debian LTS until 2028-06-30 (free security support from the distribution, counted as supported); regular security support ended on 2026-07-11; Python 3.11 from its packages is patched with it, not by upstream's dates",
        },
      ],
    },
    {
      name: "the Debian rootfs on 2029-01-01: past Debian LTS, and its packaged Python 3.11 with it (one finding, not two)",
      changes: {},
      inspect: { now: new Date("2029-01-01T12:00:00Z") },
      findings: [
        {
          severity: "high",
          messageId: "endOfLife",
          data: {
            name: "Debian 12 (Bookworm)",
            eol: "2026-07-11",
            extended: "; Debian LTS ran to 2028-06-30",
            runtimes: "; Python 3.11 from its packages lost security support with it",
          },
          message:
            "the operating system Debian 12 (Bookworm) reached end of life on 2026-07-11; Debian LTS ran to 2028-06-30; Python 3.11 from its packages lost security support with it",
        },
      ],
    },
  ],
  messagesJudgedElsewhere: {
    endOfLifeUndated: {
      why: "no OS release in data/eol.json has an end of life without a date",
      test: "sec-rules.test.ts",
    },
  },
});
