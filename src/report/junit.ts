import type { Finding, ScanResult } from "../policy/result.js";
import { atLeast } from "../policy/severity.js";
import { findingsByRule, isMultiRoot, locationOf } from "./common.js";
import { answerText, checkStatus } from "./statements.js";

/**
 * XML 1.0 text: the five markup characters escaped, and characters XML cannot carry at all
 * (C0 controls but tab/newline/CR, lone surrogates, U+FFFE/U+FFFF) shown as \xNN or \uNNNN.
 */
export function xmlEscape(text: string): string {
  return text
    .replace(
      /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
      (c) => {
        const code = c.charCodeAt(0);
        return code > 0xff
          ? `\\u${code.toString(16).padStart(4, "0")}`
          : `\\x${code.toString(16).padStart(2, "0")}`;
      },
    )
    .replace(
      /[&<>"']/g,
      (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!,
    );
}

type Attrs = Record<string, string | number>;

function open(name: string, attrs: Attrs, selfClose = false): string {
  const a = Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${xmlEscape(String(v))}"`)
    .join("");
  return `<${name}${a}${selfClose ? "/>" : ">"}`;
}

function element(name: string, attrs: Attrs, text: string): string {
  return `${open(name, attrs)}${xmlEscape(text)}</${name}>`;
}

function describe(f: Finding, multiRoot: boolean): string {
  const where = locationOf(f, multiRoot) ?? "(image-wide)";
  return [
    `[${f.severity}] ${where}: ${f.message}`,
    ...(f.evidence !== undefined ? [`  evidence: ${f.evidence}`] : []),
  ].join("\n");
}

interface Suite {
  name: string;
  cases: string[];
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

function suiteXml(s: Suite, id: number, timestamp: string): string[] {
  const attrs = {
    name: s.name,
    id,
    tests: s.tests,
    failures: s.failures,
    errors: s.errors,
    skipped: s.skipped,
  };
  return [
    `  ${open("testsuite", { ...attrs, time: 0, timestamp: timestamp.replace(/Z$/, "") })}`,
    ...s.cases,
    "  </testsuite>",
  ];
}

/**
 * JUnit XML as CI systems (GitLab, Jenkins, Azure DevOps, GitHub test reporters) display it, agreeing
 * with the exit code: failures only when the scan fails (exit 1), never an error. A test case per
 * rule, failed when it has findings at or above --fail-on (findings below the threshold are listed
 * in system-out), skipped when all its findings were ignored. Everything that does not decide the
 * verdict is a skipped case with what it says: attestations (whatever the answer: `amigate
 * submission` judges them), listing and registration checks (they never change the exit code),
 * what was not checked, and files that could not be read — listed, never hidden.
 */
export function renderJunit(result: ScanResult): string {
  const multiRoot = isMultiRoot(result);
  const rules: Suite = {
    name: `amigate rules: ${result.target.input}`,
    cases: [],
    tests: 0,
    failures: 0,
    errors: 0,
    skipped: 0,
  };
  for (const { rule, findings, ignored } of findingsByRule(result)) {
    rules.tests++;
    const classname = `amigate.${rule.clauses[0] ?? "rules"}`;
    const name = `${rule.id}: ${rule.title} [${rule.clauses.join(", ")}]`;
    const failing = findings.filter((f) => atLeast(f.severity, result.failOn));
    const below = findings.filter((f) => !atLeast(f.severity, result.failOn));
    const out: string[] = [
      ...below.map((f) => describe(f, multiRoot)),
      ...ignored.map((f) => `${describe(f, multiRoot)}\n  ignored: ${f.ignoreReason}`),
    ];
    const body: string[] = [];
    if (failing.length > 0) {
      rules.failures++;
      const text = [
        ...failing.map((f) => describe(f, multiRoot)),
        `Remediation: ${rule.remediation}`,
        ...(rule.fix !== undefined ? [`Fixable with \`amigate fix --only ${rule.fix}\``] : []),
      ].join("\n");
      const message = `${failing.length} finding${failing.length === 1 ? "" : "s"} at or above ${result.failOn}`;
      body.push(`      ${element("failure", { message, type: failing[0]!.severity }, text)}`);
    } else if (findings.length === 0 && ignored.length > 0) {
      rules.skipped++;
      body.push(
        `      ${open("skipped", { message: `ignored: ${ignored.map((f) => f.ignoreReason).join("; ")}` }, true)}`,
      );
    }
    if (out.length > 0) body.push(`      ${element("system-out", {}, out.join("\n"))}`);
    const attrs = { name, classname, time: 0 };
    rules.cases.push(
      body.length === 0
        ? `    ${open("testcase", attrs, true)}`
        : [`    ${open("testcase", attrs)}`, ...body, "    </testcase>"].join("\n"),
    );
  }

  const statements: Suite = {
    name: "amigate: needs your statement, judged from listing/registration",
    cases: [],
    tests: 0,
    failures: 0,
    errors: 0,
    skipped: 0,
  };
  // Answered yes or not-applicable passes; unanswered and answered no are skipped with what they say.
  const statementCase = (name: string, classname: string, skipped?: string) => {
    statements.tests++;
    const head = `    ${open("testcase", { name, classname, time: 0 })}`;
    if (skipped !== undefined) {
      statements.skipped++;
      statements.cases.push(head, `      ${open("skipped", { message: skipped }, true)}`, "    </testcase>");
    } else statements.cases.push(head, "    </testcase>");
  };
  for (const a of result.attestations)
    statementCase(
      `${a.id} [${a.clauses.join(", ")}]`,
      "amigate.attestation",
      !a.answer
        ? `needs your statement: ${a.statement}`
        : a.answer.answer === "no"
          ? `${answerText(a)} (${a.statement}); not part of the scan's verdict: amigate submission judges it`
          : undefined,
    );
  for (const m of result.metadataChecks) {
    const by = m.judgedBy === "listing" ? "the listing" : "the registered image attributes";
    statementCase(
      `${m.id} [${m.clauses.join(", ")}]`,
      "amigate.metadata",
      m.status === "failed"
        ? `failed: ${(m.findings ?? []).map((f) => f.message).join("; ")}; judged from ${by}, not part of the scan's verdict`
        : m.status === "passed"
          ? undefined
          : `${checkStatus(m)}: judged from ${by}: ${m.check}`,
    );
  }

  const unknowns: Suite = {
    name: "amigate: files that could not be read",
    cases: [],
    tests: 0,
    failures: 0,
    errors: 0,
    skipped: 0,
  };
  for (const u of result.unknowns) {
    unknowns.tests++;
    unknowns.skipped++;
    unknowns.cases.push(
      `    ${open("testcase", { name: u.path, classname: `amigate.unknown.${u.source}`, time: 0 })}`,
      `      ${open("skipped", { message: `could not read ${u.path}: ${u.error}` }, true)}`,
      "    </testcase>",
    );
  }

  // What the scan could not check shows as skipped cases, so CI views list it next to the rules.
  for (const n of result.notes) {
    statements.tests++;
    statements.skipped++;
    statements.cases.push(
      `    ${open("testcase", { name: n.slice(0, 80), classname: "amigate.not-checked", time: 0 })}`,
      `      ${open("skipped", { message: n }, true)}`,
      "    </testcase>",
    );
  }

  const suites = [rules, statements, ...(unknowns.tests > 0 ? [unknowns] : [])];
  const total = (k: "tests" | "failures" | "errors" | "skipped") => suites.reduce((n, s) => n + s[k], 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    open("testsuites", {
      name: "amigate",
      tests: total("tests"),
      failures: total("failures"),
      errors: total("errors"),
      skipped: total("skipped"),
      time: 0,
    }),
    ...suites.flatMap((s, i) => suiteXml(s, i, result.scannedAt)),
    "</testsuites>",
    "",
  ].join("\n");
}
