import { defineRule, maskSecret } from "../rule.js";

const messages = {
  on: "{{agent}} is on: sends {{sends}}",
  onUnit: "{{agent}} is on ({{unit}} enabled): sends {{sends}}",
  onWithKey: "{{agent}} is on with a preset key: sends {{sends}}",
  onUnitWithKey: "{{agent}} is on ({{unit}} enabled) with a preset key: sends {{sends}}",
};

export default defineRule({
  id: "telemetry-agents",
  title: "A telemetry or phone-home agent is switched on",
  clauses: ["CUS-1"],
  severity: "low",
  description:
    "Known agents that send data about the instance off it (package surveys, crash reports, monitoring agents with a preset account key) are on by default. Collecting customer data needs the buyer's knowledge and express consent.",
  remediation:
    "Turn the agent off by default (disable its unit or its opt-in switch) and document it, or disclose the collection in the listing and let the buyer opt in; never ship a preset account key.",
  messages,
  facts: ["telemetry"],
  check({ telemetry }) {
    return telemetry.agents.map((a) => ({
      path: a.path,
      ...(a.line !== undefined ? { line: a.line } : {}),
      messageId: a.unit ? (a.credential ? "onUnitWithKey" : "onUnit") : a.credential ? "onWithKey" : "on",
      data: { agent: a.name, unit: a.unit, sends: a.sends },
      ...(a.credential
        ? { evidence: maskSecret(a.credential), severity: "medium" as const }
        : a.unit
          ? { evidence: a.unit }
          : {}),
    }));
  },
});
