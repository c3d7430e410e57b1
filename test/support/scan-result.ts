import { reportStatements } from "../../src/policy/coverage.js";
import type { Finding, RuleSummary, ScanResult } from "../../src/policy/result.js";
import { maskSecret } from "../../src/policy/rule.js";

/** A secret the sample's evidence masks: no writer may print it. */
export const SAMPLE_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

const RULES: RuleSummary[] = [
  {
    id: "aws-credentials-file",
    title: "AWS credentials are stored in the image",
    clauses: ["SEC-4", "SEC-5"],
    severity: "critical",
    description: "A credentials file holds an AWS access key pair.",
    remediation: "Delete the file and rotate the key; use an IAM role instead.",
    fix: "remove-aws-credentials",
    messages: { keySet: "{{key}} is set in the {{profile}} profile" },
  },
  {
    id: "root-empty-password",
    title: "Root has an empty password",
    clauses: ["LNX-2"],
    severity: "critical",
    description: "The root entry of /etc/shadow has an empty password field.",
    remediation: "Lock the root password (passwd -l root).",
    fix: "lock-root-password",
    messages: { emptyField: "{{user}} has an empty password field" },
  },
  {
    id: "ssh-password-auth",
    title: "SSH accepts passwords",
    clauses: ["SEC-7", "SEC-3"],
    severity: "high",
    description: "The effective sshd configuration allows password authentication.",
    remediation:
      "Set PasswordAuthentication no where sshd reads it first (drop-ins are read before the main file).",
    fix: "sshd-password-auth",
    messages: { passwordAuth: "PasswordAuthentication is {{value}}" },
  },
  {
    id: "shell-history-present",
    title: "Shell history is in the image",
    clauses: ["SHR-1"],
    severity: "medium",
    description: "A shell history file of a user is present.",
    remediation: "Delete shell histories before bundling.",
    fix: "remove-shell-history",
    messages: { history: "history of {{user}}", historyLines: "history of {{user}} ({{lines}} lines)" },
  },
  {
    id: "ssh-host-keys-present",
    title: "SSH host keys are in the image",
    clauses: ["SHR-2"],
    severity: "low",
    description: "Host keys baked into the image are shared by every instance.",
    remediation: "Delete /etc/ssh/ssh_host_* so they are regenerated at first boot.",
    messages: { present: "{{file}} is present" },
  },
  {
    id: "telemetry-agent",
    title: "A telemetry agent is installed",
    clauses: ["CUS-1"],
    severity: "info",
    description: "A known telemetry agent is installed.",
    remediation: "Disclose the collection in the listing and ask for consent.",
    messages: { enabled: "{{unit}} is enabled" },
  },
];

function finding(
  rule: RuleSummary,
  rest: Omit<Finding, "rule" | "title" | "clauses" | "severity" | "remediation" | "fixable">,
): Finding {
  return {
    rule: rule.id,
    title: rule.title,
    clauses: [...rule.clauses],
    severity: rule.severity,
    remediation: rule.remediation,
    fixable: rule.fix !== undefined,
    ...(rule.fix !== undefined ? { fix: rule.fix } : {}),
    ...rest,
  };
}

/**
 * A hand-made ScanResult that exercises every part of the report: each severity, two findings of
 * one rule, a finding without a path, a masked secret, ignored findings, two OS roots and unknowns.
 */
export function sampleScanResult(overrides: Partial<ScanResult> = {}): ScanResult {
  const [aws, rootPw, sshPw, history, hostKeys, telemetry] = RULES as [
    RuleSummary,
    RuleSummary,
    RuleSummary,
    RuleSummary,
    RuleSummary,
    RuleSummary,
  ];
  const findings: Finding[] = [
    finding(aws, {
      messageId: "keySet",
      message: "aws_secret_access_key is set in the default profile",
      data: { key: "aws_secret_access_key", profile: "default" },
      path: "/root/.aws/credentials",
      line: 3,
      evidence: `aws_secret_access_key = ${maskSecret(SAMPLE_SECRET)}`,
      root: "/",
    }),
    finding(rootPw, {
      messageId: "emptyField",
      message: "root has an empty password field",
      data: { user: "root" },
      path: "/etc/shadow",
      line: 1,
      evidence: "root::19000:0:99999:7:::",
      root: "/",
    }),
    finding(sshPw, {
      messageId: "passwordAuth",
      message: "PasswordAuthentication is yes",
      data: { value: "yes" },
      path: "/etc/ssh/sshd_config.d/50-cloud-init.conf",
      line: 1,
      evidence: "PasswordAuthentication yes",
      root: "/",
    }),
    finding(history, {
      messageId: "historyLines",
      message: "history of root (12 lines)",
      data: { user: "root", lines: 12 },
      path: "/root/.bash_history",
      root: "/",
    }),
    finding(history, {
      messageId: "history",
      message: 'history of admin <a&b> "x"',
      data: { user: 'admin <a&b> "x"' },
      path: "/home/admin/.bash_history",
      root: "/",
    }),
    finding(telemetry, {
      messageId: "enabled",
      message: "vendor-telemetry.service is enabled",
      data: { unit: "vendor-telemetry.service" },
      root: "/",
    }),
  ];
  const ignored = [
    {
      ...finding(hostKeys, {
        messageId: "present",
        message: "ssh_host_ed25519_key is present",
        data: { file: "ssh_host_ed25519_key" },
        path: "/etc/ssh/ssh_host_ed25519_key",
        root: "/",
      }),
      ignoreReason: "regenerated at first boot by our own unit",
    },
  ];
  return {
    schemaVersion: 1,
    tool: { name: "amigate", version: "0.1.0" },
    target: { input: "./rootfs", kind: "directory", description: "directory /tmp/rootfs", notes: [] },
    scannedAt: "2026-01-02T03:04:05.000Z",
    roots: [
      {
        root: "/",
        os: {
          id: "debian",
          name: "Debian GNU/Linux",
          version: "12",
          prettyName: "Debian GNU/Linux 12 (bookworm)",
        },
      },
    ],
    failOn: "high",
    passed: false,
    summary: { critical: 2, high: 1, medium: 2, low: 0, info: 1 },
    findings,
    ignored,
    ...reportStatements(),
    unknowns: [
      { path: "/var/log/secure", error: "EACCES: /var/log/secure (permission denied)", source: "history" },
    ],
    checks: {
      vulnerabilities: { state: "skipped", reasons: ["vulnerability checks were skipped: no database"] },
    },
    notes: [
      "malware scanning was limited to built-in signatures (EICAR); set AMIGATE_CLAMD_SOCKET or --clamd to use ClamAV",
    ],
    rules: RULES.map((r) => ({ ...r, clauses: [...r.clauses] })),
    ...overrides,
  };
}
