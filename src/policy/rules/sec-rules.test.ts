import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { renderedDrafts } from "../../../test/support/rule-tester.js";
import { debianImage } from "../../../test/support/trees.js";
import { DEFAULT_INSPECT_OPTIONS, type InspectOptions } from "../../inspect/context.js";
import type { FactName } from "../../inspect/facts.js";
import type { DetectedRuntime } from "../../inspect/packages/index.js";
import type { VulnerabilityFacts } from "../../inspect/vulnerabilities.js";
import { eolStatus, osEolStatus } from "../../vuln/eol/index.js";
import { EICAR } from "../../vuln/malware.js";
import { evaluateRoot } from "../engine.js";
import { findingOf, type Rule } from "../rule.js";
import knownVulnerabilities from "./known-vulnerabilities.js";
import malware from "./malware.js";
import osEndOfLife from "./os-end-of-life.js";
import runtimeEndOfLife from "./runtime-end-of-life.js";
import vulnDbStale from "./vuln-db-stale.js";

const LIMITED =
  "malware scanning was limited to built-in signatures (EICAR); set AMIGATE_CLAMD_SOCKET or --clamd to use ClamAV";
const NO_DB =
  "vulnerability checks were skipped: no database. Build one with `amigate db update` (online) or `amigate db import <osv.zip|updateinfo.xml.gz>`, then scan with --db PATH or AMIGATE_DB.";

/** The notes (what was not checked) a rule's facts leave in the report. */
async function notesOf(rule: Rule<FactName>, inspect: Partial<InspectOptions> = {}): Promise<string[]> {
  const { facts } = await evaluateRoot(
    { root: "/", image: debianImage({}) },
    { rules: [rule], inspect: { ...DEFAULT_INSPECT_OPTIONS, ...inspect } },
  );
  return facts.notes;
}

async function run(
  rule: Rule<FactName>,
  changes: Record<string, string>,
  inspect: Partial<InspectOptions> = {},
) {
  const { findings } = await evaluateRoot(
    { root: "/", image: debianImage(changes) },
    { rules: [rule], inspect: { ...DEFAULT_INSPECT_OPTIONS, ...inspect } },
  );
  return findings.map((f) => ({ path: f.path, severity: f.severity, message: f.message }));
}

/** A stand-in clamd speaking INSTREAM on a unix socket: flags any stream containing "BADBYTES". */
async function fakeClamd(): Promise<{ socket: string; streams: number[]; close: () => Promise<void> }> {
  const socket = path.join(mkdtempSync(path.join(os.tmpdir(), "clamd-")), "clamd.sock");
  const streams: number[] = [];
  const server = net.createServer((conn) => {
    let buf = Buffer.alloc(0);
    conn.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (!buf.subarray(0, 10).equals(Buffer.from("zINSTREAM\0"))) return;
      let p = 10;
      const body: Buffer[] = [];
      while (p + 4 <= buf.length) {
        const n = buf.readUInt32BE(p);
        if (n === 0) {
          const all = Buffer.concat(body);
          streams.push(all.length);
          conn.end(all.includes("BADBYTES") ? "stream: Test.Bad.Bytes FOUND\0" : "stream: OK\0");
          return;
        }
        if (p + 4 + n > buf.length) return;
        body.push(buf.subarray(p + 4, p + 4 + n));
        p += 4 + n;
      }
    });
  });
  await new Promise<void>((r) => server.listen(socket, r));
  return { socket, streams, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe("rule malware", () => {
  it("the plain Debian rootfs: no finding, and a note that scanning used built-in signatures", async () => {
    assert.deepEqual(await run(malware, {}), []);
    assert.deepEqual(await notesOf(malware), [LIMITED]);
  });
  it("EICAR test file by hash, and by signature when padded", async () => {
    assert.deepEqual(await run(malware, { "/tmp/eicar.com": EICAR, "/srv/x.txt": `${EICAR}\nmore` }), [
      { path: "/srv/x.txt", severity: "critical", message: "EICAR-Test-File (signature) (builtin)" },
      { path: "/tmp/eicar.com", severity: "critical", message: "EICAR-Test-File (sha256) (builtin)" },
    ]);
  });
  it("with a clamd socket every file is streamed (INSTREAM) and its verdicts become findings; no note", async () => {
    const clamd = await fakeClamd();
    try {
      const bad = await run(
        malware,
        { "/opt/app/payload.bin": "xxBADBYTESxx" },
        { clamdSocket: clamd.socket },
      );
      // Only the planted file is flagged and the built-in note is gone: every other stream was "OK".
      assert.deepEqual(bad, [
        { path: "/opt/app/payload.bin", severity: "critical", message: "Test.Bad.Bytes (clamav)" },
      ]);
      assert.ok(clamd.streams.length > 1000, `streamed ${clamd.streams.length} files`);
    } finally {
      await clamd.close();
    }
  });
});

describe("rule vuln-db-stale", () => {
  it("no database configured: no finding; the report's notes say the checks were skipped and how to get a DB", async () => {
    assert.deepEqual(await run(vulnDbStale, {}), []);
    assert.deepEqual(await notesOf(vulnDbStale), [NO_DB]);
  });
});

const at = (d: string) => new Date(`${d}T12:00:00Z`);
const LOCAL_PYTHON_39: DetectedRuntime = {
  product: "python",
  cycle: "3.9",
  evidence: "/usr/local/bin/python3.9",
  installedBy: { kind: "unpackaged", via: "binary" },
};

describe("SEC-2 end-of-life rules on fixed --as-of dates", () => {
  it("AL2: nothing long before, a low warning within 90 days, high the day after 2026-06-30", () => {
    const check = (d: string) =>
      renderedDrafts(
        osEndOfLife,
        osEndOfLife.check({
          os: {},
          eol: {
            os: osEolStatus({ id: "amzn", version: "2" }, at(d))!,
            runtimes: [],
            followingOs: [],
            asOf: d,
          },
        }),
      );
    assert.deepEqual(check("2026-03-01"), []);
    assert.deepEqual(
      check("2026-06-30").map((f) => [f.severity, f.message]),
      [["low", "the operating system Amazon Linux 2 reaches end of life on 2026-06-30 (in 0 days)"]],
    );
    const past = check("2026-07-01");
    assert.deepEqual(
      past.map((f) => [f.severity, f.message]),
      [[undefined, "the operating system Amazon Linux 2 reached end of life on 2026-06-30"]],
    );
    assert.equal(osEndOfLife.severity, "high");
  });
  it("Ubuntu 20.04 after standard support names ESM, not treated as supported", () => {
    const s = osEolStatus({ id: "ubuntu", version: "20.04" }, at("2026-11-23"))!;
    const [f] = renderedDrafts(
      osEndOfLife,
      osEndOfLife.check({
        os: {},
        eol: { os: s, runtimes: [], followingOs: [], asOf: "2026-11-23" },
      }),
    );
    assert.match(
      f!.message,
      /^the operating system Ubuntu 20\.04 \(Focal Fossa\) reached end of life on \d{4}-\d{2}-\d{2}; Expanded Security Maintenance runs to 2030-04-02 \(extended support: not counted as supported\)$/,
    );
  });
  it("Debian 12: supported, then Debian LTS (free, counted as supported: an info note), low near its end, high past it", () => {
    const check = (d: string) =>
      renderedDrafts(
        osEndOfLife,
        osEndOfLife.check({
          os: {},
          eol: {
            os: osEolStatus({ id: "debian", version: "12" }, at(d))!,
            runtimes: [],
            followingOs: [],
            asOf: d,
          },
        }),
      ).map((f) => [f.severity, f.message]);
    // Regular support ends 2026-07-11; the LTS that follows is free and further out: no warning.
    assert.deepEqual(check("2026-05-01"), []);
    assert.deepEqual(check("2026-12-04"), [
      [
        "info",
        "the operating system Debian 12 (Bookworm) is in Debian LTS until 2028-06-30 (free security support from the distribution, counted as supported); regular security support ended on 2026-07-11",
      ],
    ]);
    assert.deepEqual(check("2028-05-01"), [
      [
        "low",
        "the operating system Debian 12 (Bookworm) is in Debian LTS (free security support from the distribution, counted as supported), which ends on 2028-06-30 (in 60 days); regular security support ended on 2026-07-11",
      ],
    ]);
    assert.deepEqual(check("2028-07-01"), [
      [
        undefined,
        "the operating system Debian 12 (Bookworm) reached end of life on 2026-07-11; Debian LTS ran to 2028-06-30",
      ],
    ]);
  });
  it("Debian 11 past its LTS is high, in the past tense", () => {
    const s = osEolStatus({ id: "debian", version: "11" }, at("2026-12-04"))!;
    assert.deepEqual(
      renderedDrafts(
        osEndOfLife,
        osEndOfLife.check({
          os: {},
          eol: { os: s, runtimes: [], followingOs: [], asOf: "2026-12-04" },
        }),
      ).map((f) => [f.severity, f.message]),
      [
        [
          undefined,
          "the operating system Debian 11 (Bullseye) reached end of life on 2024-08-14; Debian LTS ran to 2026-08-31",
        ],
      ],
    );
  });
  it("python 3.9 on both sides of 2025-10-31 is a medium finding after", () => {
    const check = (d: string) =>
      renderedDrafts(
        runtimeEndOfLife,
        runtimeEndOfLife.check({
          eol: {
            runtimes: [
              { ...eolStatus("python", "3.9", at(d))!, runtime: LOCAL_PYTHON_39, judgedBy: "unpackaged" },
            ],
            followingOs: [],
            asOf: d,
          },
        }),
      );
    assert.deepEqual(check("2025-07-01"), []);
    assert.equal(check("2025-10-31")[0]?.severity, "low");
    assert.deepEqual(
      check("2025-11-01").map((f) => [f.path, f.message]),
      [
        [
          "/usr/local/bin/python3.9",
          "runtime Python 3.9 reached end of life on 2025-10-31: /usr/local/bin/python3.9 is installed outside the package manager, so upstream's dates apply",
        ],
      ],
    );
    assert.equal(runtimeEndOfLife.severity, "medium");
  });
  it("a message no table reaches with the shipped data renders too: endOfLifeUndated for an OS", () => {
    // Statuses of the real dataset, judged by the other rule: no OS release ends without a date
    // (only Node.js 1-3 do), and only Debian has free extended support.
    const undated = eolStatus("nodejs", "3", at("2026-01-01"))!;
    const os = osEndOfLife.check({
      os: {},
      eol: { os: undated, runtimes: [], followingOs: [], asOf: "2026-01-01" },
    });
    assert.deepEqual(
      os.map((d) => findingOf(osEndOfLife, d, "/")).map((f) => [f.messageId, f.message]),
      [["endOfLifeUndated", "the operating system Node.js 3 reached end of life"]],
    );
  });
});

describe("SEC-1 known-vulnerabilities rule", () => {
  it("one finding per advisory and source package, with ids, versions, fix and severity", () => {
    const base = {
      aliases: ["CVE-2024-6387"],
      installed: "1:9.2p1-2+deb12u2",
      fixed: "1:9.2p1-2+deb12u3",
      ecosystem: "Debian",
      release: "12",
      matchedName: "openssh",
    };
    const v: VulnerabilityFacts = {
      state: "checked",
      maxAgeDays: 7,
      matches: [
        { ...base, advisory: "DSA-5724-1", package: "openssh-server", severity: "critical" },
        { ...base, advisory: "DSA-5724-1", package: "openssh-client", severity: "critical" },
        {
          advisory: "T-1",
          aliases: [],
          package: "gzip",
          matchedName: "gzip",
          installed: "1.12-1",
          ecosystem: "Debian",
          release: "12",
        },
      ],
    };
    assert.deepEqual(
      renderedDrafts(knownVulnerabilities, knownVulnerabilities.check({ vulnerabilities: v })),
      [
        {
          message:
            "DSA-5724-1, CVE-2024-6387: openssh 1:9.2p1-2+deb12u2 (openssh-client, openssh-server) is affected; fixed in 1:9.2p1-2+deb12u3",
          evidence: "Debian:12 openssh 1:9.2p1-2+deb12u2 < 1:9.2p1-2+deb12u3",
          severity: "critical",
        },
        {
          message: "T-1: gzip 1.12-1 (gzip) is affected; no fixed version yet",
          evidence: "Debian:12 gzip 1.12-1",
        },
      ],
    );
  });
  it("a stale database is a low finding with its age", () => {
    const f = renderedDrafts(
      vulnDbStale,
      vulnDbStale.check({
        vulnerabilities: {
          state: "checked",
          maxAgeDays: 7,
          dbAgeDays: 30,
          db: { advisories: 5, lastImport: "2026-01-01T00:00:00.000Z" },
          matches: [],
        },
      }),
    );
    assert.deepEqual(
      f.map((x) => [x.severity ?? vulnDbStale.severity, x.message]),
      [
        [
          "low",
          "the vulnerability database is 30 days old (last import 2026-01-01T00:00:00.000Z, limit 7); newer advisories are not checked",
        ],
      ],
    );
  });
});
