import { testRule } from "../../../test/support/rule-tester.js";
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
  ],
});
