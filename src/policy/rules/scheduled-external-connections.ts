import { defineRule, type FindingDraft } from "../rule.js";

/** Commands that reach out to a URL: downloads, uploads, pings home. */
const FETCH = /\b(curl|wget|nc|ncat|rsync|scp|sftp|aws\s+s3)\b[^|;&]*?(https?|ftp|s3):\/\/[^\s'"|;&)]+/;
/** Endpoints every OS talks to as part of normal package maintenance. */
const EXPECTED_HOSTS =
  /(^|\.)(debian\.org|ubuntu\.com|canonical\.com|amazonaws\.com\/(al2|amazonlinux)|fedoraproject\.org|centos\.org|rockylinux\.org|almalinux\.org|alpinelinux\.org)\b/;

const messages = {
  cronJob: "a cron job connects to {{host}}",
  systemdTimer: "a systemd timer connects to {{host}}",
};

export default defineRule({
  id: "scheduled-external-connections",
  title: "Scheduled jobs connect to external endpoints",
  clauses: ["USE-6"],
  severity: "info",
  description:
    "Ongoing connections to external resources must be disclosed in the listing, automated and free. Listed here so the publisher can disclose them: cron jobs and systemd timers that fetch from or send to a URL (distribution package mirrors are left out).",
  remediation: "Disclose each external endpoint and what it is for in the listing, or remove the job.",
  messages,
  facts: ["schedules"],
  check({ schedules }) {
    const findings: FindingDraft<keyof typeof messages>[] = [];
    for (const c of schedules.commands) {
      const m = FETCH.exec(c.command);
      if (!m) continue;
      const url = m[0].slice(m[0].search(/(https?|ftp|s3):\/\//));
      let host = "";
      try {
        host = new URL(url).host;
      } catch {
        host = url;
      }
      if (EXPECTED_HOSTS.test(host)) continue;
      findings.push({
        path: c.path,
        line: c.line,
        messageId: c.via === "cron" ? "cronJob" : "systemdTimer",
        data: { host },
        evidence: c.command.slice(0, 200),
      });
    }
    return findings;
  },
});
