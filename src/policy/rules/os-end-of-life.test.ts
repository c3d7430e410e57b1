import { testRule } from "../../../test/support/rule-tester.js";
import rule from "./os-end-of-life.js";

/**
 * The tester scans on today's date, so every case is one whose verdict no later date changes: no
 * known end of life, or one already past (data/eol.json is a dated snapshot). sec-rules.test.ts
 * judges dates around an end of life with a fixed --as-of.
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
  ],
});
