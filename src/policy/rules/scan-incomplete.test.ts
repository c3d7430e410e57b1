import assert from "node:assert/strict";
import { test } from "node:test";
import { debianText } from "../../../test/support/debian-files.js";
import { testRule } from "../../../test/support/rule-tester.js";
import { scan } from "../../scan/session.js";
import rule from "./scan-incomplete.js";

// Past the 4 MiB bound on files whose every line decides a verdict.
const padded = (text: string) => `${text}${"#".repeat(4 * 1024 * 1024)}\n`;

testRule(rule, {
  valid: [
    { name: "clean Debian", changes: {} },
    {
      name: "a sudoers drop-in and an sshd drop-in of normal size",
      changes: {
        "/etc/sudoers.d/90-admin": "admin ALL=(ALL) NOPASSWD:ALL\n",
        "/etc/ssh/sshd_config.d/10-hardening.conf": "PasswordAuthentication no\n",
      },
    },
    {
      name: "a tiny tree with no account files at all",
      base: "empty",
      changes: { "/srv/app/readme": "hi\n" },
    },
  ],
  invalid: [
    {
      name: "/etc/shadow padded past the read bound",
      changes: { "/etc/shadow": padded(debianText("/etc/shadow")) },
      findings: [
        {
          path: "/etc/shadow",
          severity: "high",
          message: "not read: /etc/shadow could not be read whole: larger than the 4 MiB read for it",
        },
      ],
    },
    {
      name: "sshd_config is a FIFO and a sudoers drop-in is oversized",
      changes: {
        "/etc/ssh/sshd_config": { type: "fifo" },
        "/etc/sudoers.d/zz": padded("admin ALL=(ALL) ALL\n"),
      },
      findings: [
        {
          path: "/etc/ssh/sshd_config",
          message: "not read: /etc/ssh/sshd_config could not be read whole: not a regular file",
        },
        { path: "/etc/sudoers.d/zz" },
      ],
    },
    {
      name: "an empty root",
      base: "empty",
      changes: {},
      findings: [{ path: "/", message: "not read: the root is empty: there is nothing to judge" }],
    },
  ],
  messagesJudgedElsewhere: {
    targetGap: {
      why: "the target's own gaps (a filesystem without a reader, a damaged archive) are outside any root",
      test: "scan-incomplete.test.ts",
    },
  },
});

test("a gap of the target is a targetGap finding naming where", async () => {
  const gap = { where: "partition 1", reason: "amigate has no reader for its btrfs filesystem" };
  const result = await scan({ input: "disk.raw", kind: "disk", description: "a disk", gaps: [gap] }, [], {
    rules: [rule],
  });
  assert.deepEqual(
    result.findings.map((f) => [f.rule, f.messageId, f.data, f.message]),
    [
      [
        "scan-incomplete",
        "targetGap",
        gap,
        "not read: partition 1: amigate has no reader for its btrfs filesystem",
      ],
    ],
  );
});
