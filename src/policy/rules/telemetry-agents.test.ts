import assert from "node:assert/strict";
import { test } from "node:test";
import { testRule } from "../../../test/support/rule-tester.js";
import { findingOf } from "../rule.js";
import rule from "./telemetry-agents.js";

const unit = "[Unit]\nDescription=agent\n";
const datadogUnit = {
  "/usr/lib/systemd/system/datadog-agent.service": unit,
  "/etc/systemd/system/multi-user.target.wants/datadog-agent.service": {
    type: "symlink" as const,
    target: "/lib/systemd/system/datadog-agent.service",
  },
};
const DD_KEY = "0123456789abcdef0123456789abcdef";

testRule(rule, {
  valid: [
    { name: "clean Debian", changes: {} },
    {
      name: "popularity-contest installed, not participating",
      changes: { "/etc/popularity-contest.conf": 'MY_HOSTID="0123"\nPARTICIPATE="no"\nUSEHTTP="yes"\n' },
    },
    {
      name: "Datadog key preset but agent not enabled",
      changes: { "/etc/datadog-agent/datadog.yaml": `api_key: ${DD_KEY}\n` },
    },
    {
      name: "Datadog enabled without a key",
      changes: { ...datadogUnit, "/etc/datadog-agent/datadog.yaml": "api_key:\nsite: datadoghq.com\n" },
    },
  ],
  invalid: [
    {
      name: "popularity-contest participating",
      changes: { "/etc/popularity-contest.conf": 'MY_HOSTID="0123"\nPARTICIPATE="yes"\nUSEHTTP="yes"\n' },
      findings: [
        {
          path: "/etc/popularity-contest.conf",
          line: 2,
          severity: "low",
          message: "popularity-contest is on: sends the list of installed packages and their use, weekly",
        },
      ],
    },
    {
      name: "Datadog enabled with a preset API key",
      changes: {
        ...datadogUnit,
        "/etc/datadog-agent/datadog.yaml": `# site\nsite: datadoghq.com\napi_key: "${DD_KEY}"\n`,
      },
      findings: [
        {
          path: "/etc/datadog-agent/datadog.yaml",
          line: 3,
          severity: "medium",
          message:
            "Datadog agent is on (datadog-agent.service enabled) with a preset key: sends host metrics and logs to the Datadog account of the preset API key",
          evidence: "0123************ (32 chars)",
        },
      ],
    },
    {
      name: "whoopsie enabled: named by its unit",
      changes: {
        "/usr/lib/systemd/system/whoopsie.service": unit,
        "/etc/systemd/system/multi-user.target.wants/whoopsie.service": {
          type: "symlink",
          target: "/lib/systemd/system/whoopsie.service",
        },
      },
      findings: [
        {
          path: "/etc/systemd/system/multi-user.target.wants/whoopsie.service",
          messageId: "onUnit",
          data: { agent: "whoopsie", unit: "whoopsie.service", sends: "crash reports to Canonical" },
          message: "whoopsie is on (whoopsie.service enabled): sends crash reports to Canonical",
        },
      ],
    },
  ],
  messagesJudgedElsewhere: {
    onWithKey: {
      why: "every agent whose config holds a key also has a unit that must be enabled (src/inspect/telemetry.ts)",
      test: "telemetry-agents.test.ts",
    },
  },
});

test("an agent on with a preset key and no unit says so (onWithKey)", () => {
  const agent = {
    id: "x",
    name: "Some agent",
    sends: "metrics home",
    path: "/etc/x.conf",
    line: 1,
    credential: DD_KEY,
  };
  const [f] = rule.check({ telemetry: { agents: [agent] } }).map((d) => findingOf(rule, d, "/"));
  assert.deepEqual(
    [f?.messageId, f?.message, f?.evidence],
    ["onWithKey", "Some agent is on with a preset key: sends metrics home", "0123************ (32 chars)"],
  );
});
