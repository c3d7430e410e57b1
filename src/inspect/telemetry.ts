import type { Inspector } from "./context.js";
import { readOptionalText, splitLines } from "./text-files.js";

/** A setting in a configuration file that turns data collection on (or presets where it goes). */
interface ConfigSwitch {
  path: string;
  /** Matched per line; group 1, when present, is a credential (shown masked). */
  pattern: RegExp;
}

export interface TelemetryAgent {
  id: string;
  name: string;
  /** What it sends, for the finding. */
  sends: string;
  /** Any of these enabled at boot counts (none: the config switch alone decides). */
  units: readonly string[];
  /** Required when given: the switch that turns it on or presets the destination. */
  config?: ConfigSwitch;
}

/**
 * Known phone-home and telemetry agents. apport is left out on purpose: it only writes crash
 * reports locally; whoopsie is the part that uploads them.
 */
export const TELEMETRY_AGENTS: readonly TelemetryAgent[] = [
  {
    id: "popularity-contest",
    name: "popularity-contest",
    sends: "the list of installed packages and their use, weekly",
    units: [],
    config: { path: "/etc/popularity-contest.conf", pattern: /^\s*PARTICIPATE\s*=\s*"?yes"?\s*$/i },
  },
  {
    id: "whoopsie",
    name: "whoopsie",
    sends: "crash reports to Canonical",
    units: ["whoopsie.service", "whoopsie.path"],
  },
  {
    id: "motd-news",
    name: "motd-news",
    sends: "the OS release, kernel and platform to motd.ubuntu.com",
    units: ["motd-news.timer"],
    config: { path: "/etc/default/motd-news", pattern: /^\s*ENABLED\s*=\s*"?1"?\s*$/ },
  },
  {
    id: "datadog-agent",
    name: "Datadog agent",
    sends: "host metrics and logs to the Datadog account of the preset API key",
    units: ["datadog-agent.service"],
    config: {
      path: "/etc/datadog-agent/datadog.yaml",
      pattern: /^\s*api_key:\s*["']?([0-9a-fA-F]{32})["']?\s*$/,
    },
  },
  {
    id: "newrelic-infra",
    name: "New Relic infrastructure agent",
    sends: "host data to the New Relic account of the preset license key",
    units: ["newrelic-infra.service"],
    config: {
      path: "/etc/newrelic-infra.yml",
      pattern: /^\s*license_key:\s*["']?([A-Za-z0-9]{20,})["']?\s*$/,
    },
  },
  {
    id: "splunk-forwarder",
    name: "Splunk Universal Forwarder",
    sends: "logs to a preconfigured Splunk indexer",
    units: ["SplunkForwarder.service", "splunkforwarder.service"],
  },
  {
    id: "elastic-agent",
    name: "Elastic Agent",
    sends: "logs and metrics to a preconfigured Fleet server",
    units: ["elastic-agent.service"],
  },
];

export interface DetectedTelemetry {
  id: string;
  name: string;
  sends: string;
  /** The config line or the enabling link. */
  path: string;
  line?: number;
  /** The enabled unit, when one is. */
  unit?: string;
  /** A preset credential (API/license key) found in the config, unmasked: rules mask it. */
  credential?: string;
}

export interface TelemetryFacts {
  agents: DetectedTelemetry[];
}

export const telemetryInspector: Inspector<"telemetry"> = {
  name: "telemetry",
  description: "known telemetry and phone-home agents that are switched on",
  paths: TELEMETRY_AGENTS.flatMap((a) => (a.config ? [a.config.path] : [])),
  async inspect(ctx) {
    const services = await ctx.get("services");
    const agents: DetectedTelemetry[] = [];
    for (const agent of TELEMETRY_AGENTS) {
      const enabled = agent.units.map((u) => services.isEnabled(u)).find((e) => e !== undefined);
      if (agent.units.length > 0 && !enabled) continue;
      const found: DetectedTelemetry = {
        id: agent.id,
        name: agent.name,
        sends: agent.sends,
        path: enabled?.path ?? "",
      };
      if (enabled) found.unit = enabled.name;
      if (agent.config) {
        const text = await readOptionalText(ctx, agent.config.path);
        const lines = text === undefined ? [] : splitLines(text);
        const index = lines.findIndex((l) => agent.config!.pattern.test(l));
        if (index < 0) continue;
        found.path = agent.config.path;
        found.line = index + 1;
        const credential = agent.config.pattern.exec(lines[index]!)?.[1];
        if (credential) found.credential = credential;
      }
      agents.push(found);
    }
    return { agents };
  },
};
