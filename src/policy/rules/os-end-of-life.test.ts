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
      name: "Amazon Linux 2 on its last supported day",
      base: "empty",
      changes: osRelease("amzn", "2"),
      inspect: { now: new Date("2026-06-30T12:00:00Z") },
      findings: [
        {
          severity: "low",
          messageId: "endOfLifeSoon",
          data: { name: "Amazon Linux 2", eol: "2026-06-30", daysLeft: 0, extended: "" },
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
  ],
  messagesJudgedElsewhere: {
    endOfLifeUndated: {
      why: "no OS release in data/eol.json has an end of life without a date",
      test: "sec-rules.test.ts",
    },
  },
});
