import assert from "node:assert/strict";
import { test } from "node:test";
import { debianText } from "../../../test/support/debian-files.js";
import { testRule } from "../../../test/support/rule-tester.js";
import { memoryImage } from "../../../test/support/trees.js";
import { FactStore, type Inspector } from "../../inspect/context.js";
import type { FactName } from "../../inspect/facts.js";
import { inspectorsByName } from "../../inspect/registry.js";
import { scan } from "../../scan/session.js";
import { evaluateRules } from "../engine.js";
import rule from "./scan-incomplete.js";
import secretsInFiles from "./secret-tokens.js";

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
    ruleNotRun: {
      why: "a rule that could not run is the engine's finding, whatever the image holds",
      test: "scan-incomplete.test.ts",
    },
  },
});

test("a rule whose facts cannot be computed fails the scan with ruleNotRun naming it", async () => {
  const failing: Inspector<"content"> = {
    name: "content",
    description: "fails like a content thread that died",
    paths: ["/**"],
    inspect: async () => {
      throw new Error("content scan worker exited (code 1)");
    },
  };
  const inspectors = new Map(inspectorsByName);
  inspectors.set("content", failing as unknown as Inspector<FactName>);
  const store = new FactStore(memoryImage({ "/etc/app.conf": "password = hunter2\n" }), inspectors);
  const findings = await evaluateRules("/", store, [rule, secretsInFiles]);
  assert.deepEqual(
    findings.map((f) => [f.rule, f.messageId, f.severity, f.message]),
    [
      [
        "scan-incomplete",
        "ruleNotRun",
        "high",
        "not checked: rule secret-tokens could not run: content scan worker exited (code 1)",
      ],
    ],
  );
  assert.deepEqual(
    store.unknowns.map((u) => u.source),
    ["rule secret-tokens"],
  );
  // Without scan-incomplete among the rules, the unknown alone says it (the user left the rule out).
  const alone = new FactStore(memoryImage({ "/etc/app.conf": "password = hunter2\n" }), inspectors);
  assert.deepEqual(await evaluateRules("/", alone, [secretsInFiles]), []);
  assert.equal(alone.unknowns.length, 1);
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
