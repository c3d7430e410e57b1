/**
 * The scan gate: the Marketplace rules applied to sharing. A share the gate covers is refused while
 * the image's latest scan has not finished, failed, or has findings at or above the gate severity,
 * and when the registered attributes break a metadata clause (ARC-1..5). What it covers is a
 * server setting: public shares only (Group=all, the default) or every share.
 */
import { type Registration, runRegistrationCheck } from "../policy/listing/check.js";
import { REGISTRATION_CHECKS } from "../policy/listing/checks/index.js";
import type { ScanResult } from "../policy/result.js";
import { atLeast, type Severity } from "../policy/severity.js";
import type { ShareGate } from "./ec2/context.js";
import { Ec2Error } from "./ec2/errors.js";
import type { Image, LaunchPermission, Store } from "./store/types.js";

export type GateScope = "public" | "all" | "off";

export interface GateSettings {
  severity: Severity;
  scope: GateScope;
  /** The region images are registered in; ARC-1 wants us-east-1. */
  region: string;
  /** A scan whose vulnerability checks were skipped does not pass (SEC-1); off only by choice. */
  requireVulnerabilityChecks?: boolean;
}

/** The attributes the architecture clauses judge, as registered in this catalogue's region. */
export function registrationOf(image: Image, region: string): Registration {
  return {
    region,
    architecture: image.architecture,
    virtualizationType: image.virtualizationType,
    rootDeviceType: image.rootDeviceType,
    blockDeviceMappings: image.blockDeviceMappings,
  };
}

/** Metadata clauses judged from the registered attributes (policy/listing/checks/registration.ts). */
export function metadataFailures(image: Image, region: string): string[] {
  const registration = registrationOf(image, region);
  return REGISTRATION_CHECKS.flatMap((c) =>
    runRegistrationCheck(c, registration).map((f) => `${c.id} (${c.clauses.join(", ")}): ${f.message}`),
  );
}

/**
 * Why a scan report does not pass the gate (empty: it passes): findings at or above the gate
 * severity, and vulnerability checks that did not run unless the operator allows that. The share
 * gate and re-judging (rejudge.ts: a verdict that regressed) read it alike.
 */
export function reportFailures(
  report: Pick<ScanResult, "findings" | "checks">,
  settings: Pick<GateSettings, "severity" | "requireVulnerabilityChecks">,
): string[] {
  const { severity } = settings;
  const reasons: string[] = [];
  const failing = [
    ...new Set(report.findings.filter((f) => atLeast(f.severity, severity)).map((f) => f.rule)),
  ];
  if (failing.length > 0) reasons.push(`findings at or above ${severity}: ${failing.join(", ")}`);
  // Fail closed: a report without `checks` (older amigate) counts as skipped.
  const vulnerabilities = report.checks?.vulnerabilities;
  if (settings.requireVulnerabilityChecks !== false && vulnerabilities?.state !== "checked")
    reasons.push(
      `its vulnerability checks were skipped (${(vulnerabilities?.reasons ?? ["the report does not say they ran"]).join("; ")}); the operator gives serve --db with a current database, or --allow-unchecked-vulnerabilities`,
    );
  return reasons;
}

export class ScanGate implements ShareGate {
  constructor(
    private readonly store: Store,
    private readonly settings: GateSettings,
  ) {}

  reportFailures(report: Pick<ScanResult, "findings" | "checks">): string[] {
    return reportFailures(report, this.settings);
  }

  async checkShare(image: Image, adding: LaunchPermission[]): Promise<void> {
    const { scope, region } = this.settings;
    if (scope === "off") return;
    if (scope === "public" && !adding.some((p) => "group" in p)) return;
    const reasons = metadataFailures(image, region);
    const scan = await this.store.latestScan(image.imageId);
    if (!scan) reasons.push("the image has no scan (push its disk to have it scanned)");
    else if (scan.status === "pending" || scan.status === "running")
      reasons.push(`the scan has not finished (${scan.status})`);
    else if (scan.status === "failed") reasons.push(`the scan failed: ${scan.error ?? "unknown error"}`);
    else if (scan.report)
      reasons.push(...reportFailures(JSON.parse(scan.report) as ScanResult, this.settings));
    if (reasons.length > 0)
      throw new Ec2Error(
        "OperationNotPermitted",
        `The image ${image.imageId} cannot be shared ${scope === "public" ? "publicly" : ""}: ${reasons.join("; ")}`.replace(
          "  ",
          " ",
        ),
      );
  }
}
