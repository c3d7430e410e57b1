import { createHash } from "node:crypto";
import type * as Sarif from "sarif";
import type { Finding, IgnoredFinding, RuleSummary, ScanResult } from "../policy/result.js";
import { placeholdersOf } from "../policy/rule.js";
import type { Severity } from "../policy/severity.js";
import { rulesOf } from "./common.js";

export const SARIF_SCHEMA_URI =
  "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
export const INFORMATION_URI = "https://www.npmjs.com/package/amigate";
/** The uriBaseId every image path is relative to: the root of the scanned image. */
export const IMAGE_ROOT = "IMAGEROOT";
/** The uriBaseId of findings without a file: the directory the target was named from. */
export const TARGET_DIR = "TARGETDIR";
/** partialFingerprints key; bump the suffix if the hashed fields ever change. */
export const FINGERPRINT_KEY = "amigateFinding/v1";

/** SARIF 2.1.0 §3.27.10 levels; GitHub code scanning reads them the same way. */
const LEVEL: Record<Severity, Sarif.Result.level> = {
  critical: "error",
  high: "error",
  medium: "warning",
  low: "note",
  info: "note",
};

/** GitHub's `security-severity` (a CVSS-like score as a string): ≥9 critical, ≥7 high, ≥4 medium. */
const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: "9.5",
  high: "8.0",
  medium: "5.5",
  low: "2.0",
  info: "0.0",
};

/**
 * Stable across runs of the same image: rule, root, path and message (not the line, which moves
 * when unrelated lines are added; not the scan time).
 */
export function fingerprint(f: Finding): string {
  return createHash("sha256")
    .update([f.rule, f.root, f.path ?? "", f.message].join("\u0000"))
    .digest("hex")
    .slice(0, 32);
}

/**
 * A message template as a SARIF message string (§3.11.5): `{{name}}` placeholders become `{0}`,
 * `{1}`… in order of first appearance (placeholdersOf), and literal braces are doubled.
 */
export function sarifMessageString(template: string): string {
  const position = new Map(placeholdersOf(template).map((name, i) => [name, i]));
  return template
    .split(/(\{\{\s*[A-Za-z_$][\w$]*\s*\}\})/)
    .map((part, i) =>
      i % 2 === 1
        ? `{${position.get(part.slice(2, -2).trim())}}`
        : part.replaceAll("{", "{{").replaceAll("}", "}}"),
    )
    .join("");
}

function descriptor(rule: RuleSummary): Sarif.ReportingDescriptor {
  const messages = Object.entries(rule.messages ?? {});
  return {
    id: rule.id,
    name: rule.title,
    shortDescription: { text: rule.title },
    fullDescription: { text: rule.description },
    help: {
      text: rule.remediation + (rule.fix ? ` (fixable with \`amigate fix --only ${rule.fix}\`)` : ""),
    },
    ...(messages.length > 0
      ? {
          messageStrings: Object.fromEntries(
            messages.map(([id, template]) => [id, { text: sarifMessageString(template) }]),
          ),
        }
      : {}),
    defaultConfiguration: { level: LEVEL[rule.severity] },
    properties: {
      // Clause ids from CLAUSES.md, plus "security" so GitHub reads security-severity.
      tags: [...rule.clauses, "security"],
      "security-severity": SECURITY_SEVERITY[rule.severity],
      severity: rule.severity,
      ...(rule.fix ? { fix: rule.fix } : {}),
    },
  };
}

/**
 * Where a finding without a file points: the target itself, as given when that is a path inside
 * the working directory ("build/rootfs"), else its file name ("disk.vmdk"); "image" when neither
 * names anything. GitHub code scanning drops results without a file (artifactLocation.uri).
 */
export function targetUri(input: string): string {
  const relative = !input.startsWith("/") && !/^[A-Za-z]:[\\/]/.test(input);
  const segments = input.split(/[\\/]+/).filter((s) => s !== "" && s !== ".");
  const chosen = relative && !segments.includes("..") ? segments : segments.slice(-1);
  return chosen.length === 0 || chosen[0] === ".." ? "image" : chosen.map(encodeURIComponent).join("/");
}

/**
 * Every result has a file and a line, as GitHub code scanning requires: the finding's path (the file
 * that proves an image-wide finding, like /etc/os-release for os-end-of-life), else the target
 * (targetUri); line 1 when the finding is about a whole file or has none.
 */
function location(f: Finding, target: string): Sarif.Location {
  const rootLocation = { logicalLocations: [{ fullyQualifiedName: f.root, kind: "module" }] };
  const region = { startLine: f.line ?? 1 };
  if (f.path === undefined) {
    return {
      physicalLocation: { artifactLocation: { uri: targetUri(target), uriBaseId: TARGET_DIR }, region },
      ...rootLocation,
    };
  }
  return {
    physicalLocation: { artifactLocation: { uri: encodeImagePath(f.path), uriBaseId: IMAGE_ROOT }, region },
    ...(f.root !== "/" ? rootLocation : {}),
  };
}

/** An image path as a relative URI reference: no leading "/", each segment percent-encoded. */
export function encodeImagePath(path: string): string {
  return path
    .replace(/^\/+/, "")
    .split("/")
    .map((segment) => encodeURIComponent(segment))
    .join("/");
}

/**
 * A result's message: the rule's message string by id with its arguments (§3.11.7, 3.11.11), and
 * the rendered text for viewers that do not look the id up. A finding whose rule carries no
 * template for its id (a hand-made or older record) has the text alone.
 */
function message(f: Finding, rule: RuleSummary | undefined): Sarif.Message {
  const text = f.evidence !== undefined ? `${f.message} (evidence: ${f.evidence})` : f.message;
  const template = f.messageId === undefined ? undefined : rule?.messages?.[f.messageId];
  if (template === undefined) return { text };
  const args = placeholdersOf(template).map((name) => String(f.data?.[name] ?? ""));
  return { id: f.messageId, ...(args.length > 0 ? { arguments: args } : {}), text };
}

function result(
  f: Finding,
  target: string,
  ruleIndex: number,
  rule: RuleSummary | undefined,
  suppression?: IgnoredFinding,
): Sarif.Result {
  return {
    ruleId: f.rule,
    ruleIndex,
    level: LEVEL[f.severity],
    message: message(f, rule),
    locations: [location(f, target)],
    partialFingerprints: { [FINGERPRINT_KEY]: fingerprint(f) },
    ...(suppression
      ? { suppressions: [{ kind: "external", status: "accepted", justification: suppression.ignoreReason }] }
      : {}),
    properties: {
      severity: f.severity,
      clauses: [...f.clauses],
      root: f.root,
      fixable: f.fixable,
      ...(f.fix !== undefined ? { fix: f.fix } : {}),
      ...(f.evidence !== undefined ? { evidence: f.evidence } : {}),
    },
  };
}

/** The report as one SARIF 2.1.0 run; ignored findings are results with an external suppression. */
export function renderSarif(scan: ScanResult): string {
  const rules = rulesOf(scan);
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const log: Sarif.Log = {
    $schema: SARIF_SCHEMA_URI,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "amigate",
            version: scan.tool.version,
            semanticVersion: scan.tool.version,
            informationUri: INFORMATION_URI,
            rules: rules.map(descriptor),
          },
        },
        invocations: [
          {
            executionSuccessful: true,
            endTimeUtc: scan.scannedAt,
            toolConfigurationNotifications: scan.notes.map((n) => ({
              level: "note" as const,
              message: { text: n },
            })),
            toolExecutionNotifications: scan.unknowns.map((u) => ({
              level: "warning" as const,
              message: { text: `could not read ${u.path}: ${u.error}` },
              locations: [
                {
                  physicalLocation: {
                    artifactLocation: { uri: encodeImagePath(u.path), uriBaseId: IMAGE_ROOT },
                  },
                },
              ],
              properties: { source: u.source },
            })),
          },
        ],
        originalUriBaseIds: {
          [IMAGE_ROOT]: { description: { text: `The root of the scanned image ${scan.target.input}` } },
          [TARGET_DIR]: {
            description: {
              text: "The directory the scanned target was named from (findings without a file)",
            },
          },
        },
        results: [
          ...scan.findings.map((f) =>
            result(f, scan.target.input, index.get(f.rule)!, rules[index.get(f.rule)!]),
          ),
          ...scan.ignored.map((f) =>
            result(f, scan.target.input, index.get(f.rule)!, rules[index.get(f.rule)!], f),
          ),
        ],
        properties: {
          target: { ...scan.target },
          roots: scan.roots.map((r) => ({ root: r.root, os: { ...r.os } })),
          failOn: scan.failOn,
          passed: scan.passed,
          summary: { ...scan.summary },
          attestations: scan.attestations.map((a) => ({ ...a })),
          metadataChecks: scan.metadataChecks.map((m) => ({ ...m })),
        },
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
