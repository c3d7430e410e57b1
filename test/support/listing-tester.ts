/**
 * Table tests for listing and registration checks, like RuleTester for image rules: a complete,
 * passing listing (or registration) with one change per case, and the exact findings expected.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type ListingCheck,
  type ListingEvidence,
  type Registration,
  type RegistrationCheck,
  runListingCheck,
  runRegistrationCheck,
} from "../../src/policy/listing/check.js";
import { type Listing, parseListing } from "../../src/policy/listing/listing.js";
import type { Finding } from "../../src/policy/result.js";

/** A listing that passes every check: the sharing guide's fields filled for a plain web server. */
export const GOOD_LISTING = {
  imageId: "ami-0123456789abcdef0",
  name: "acme-web-1.4.2",
  product: "acme-web",
  version: "1.4.2",
  publisher: { name: "Acme", url: "https://acme.example.com" },
  os: { name: "Debian GNU/Linux", version: "12" },
  architecture: "x86_64",
  keyFeatures: ["nginx 1.22 with TLS defaults", "automatic security updates"],
  description: "A hardened web server for static sites.",
  services: ["ssh.service", "nginx.service"],
  listeningPorts: ["22/tcp", "443/tcp"],
  usageInstructions:
    "Connect with `ssh admin@<instance>` on port 22 using your key pair. Put your site in /var/www/html; logs are in /var/log/nginx.",
  releaseNotes: { date: "2026-03-01", notes: ["nginx upgraded to 1.22.1"] },
  externalDependencies: [],
  dataCollection: "",
} as const;

export type ListingDoc = Record<string, unknown>;

export interface ListingCase {
  name: string;
  /** Fields laid over GOOD_LISTING (a field set to undefined is removed). */
  change?: ListingDoc;
  evidence?: Partial<ListingEvidence>;
}

export interface InvalidListingCase extends ListingCase {
  findings: Array<Partial<Pick<Finding, "messageId" | "data" | "severity" | "message">>>;
}

export function listingOf(change: ListingDoc = {}): Listing {
  const doc: ListingDoc = { ...GOOD_LISTING, ...change };
  for (const [k, v] of Object.entries(change)) if (v === undefined) delete doc[k];
  return parseListing(doc);
}

function compare(got: Finding[], want: InvalidListingCase["findings"]): void {
  assert.equal(got.length, want.length, `findings: ${JSON.stringify(got.map((f) => f.message))}`);
  want.forEach((w, i) => {
    const picked = Object.fromEntries(Object.keys(w).map((k) => [k, got[i]![k as keyof Finding]]));
    assert.deepEqual(picked, w);
  });
}

function uniqueNames(cases: ReadonlyArray<{ name: string }>): void {
  const names = cases.map((c) => c.name);
  assert.equal(new Set(names).size, names.length, "duplicate case names");
}

export function testListingCheck(
  check: ListingCheck,
  cases: { valid: ListingCase[]; invalid: InvalidListingCase[] },
): void {
  describe(`listing check ${check.id}`, () => {
    it("has distinct case names and a case for every message", () => {
      uniqueNames([...cases.valid, ...cases.invalid]);
      const used = new Set(cases.invalid.flatMap((c) => c.findings.map((f) => f.messageId)));
      for (const id of Object.keys(check.messages)) assert.ok(used.has(id), `no case for message ${id}`);
    });
    for (const c of cases.valid)
      it(`passes: ${c.name}`, () => {
        const got = runListingCheck(check, {
          listing: listingOf(c.change),
          evidence: { findings: [], ...c.evidence },
        });
        assert.deepEqual(
          got.map((f) => f.message),
          [],
        );
      });
    for (const c of cases.invalid)
      it(`fails: ${c.name}`, () => {
        const got = runListingCheck(check, {
          listing: listingOf(c.change),
          evidence: { findings: [], ...c.evidence },
        });
        compare(got, c.findings);
        for (const f of got) {
          assert.deepEqual(f.clauses, [...check.clauses]);
          assert.ok(!/\{\{/.test(f.message), `unfilled placeholder in "${f.message}"`);
        }
      });
  });
}

export const GOOD_REGISTRATION: Registration = {
  region: "us-east-1",
  architecture: "x86_64",
  virtualizationType: "hvm",
  rootDeviceType: "ebs",
  blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: false } }],
};

export function testRegistrationCheck(
  check: RegistrationCheck,
  cases: {
    valid: Array<{ name: string; change: Partial<Registration> }>;
    invalid: Array<{ name: string; change: Partial<Registration>; findings: InvalidListingCase["findings"] }>;
  },
): void {
  describe(`registration check ${check.id}`, () => {
    it("has distinct case names and a case for every message", () => {
      uniqueNames([...cases.valid, ...cases.invalid]);
      const used = new Set(cases.invalid.flatMap((c) => c.findings.map((f) => f.messageId)));
      for (const id of Object.keys(check.messages)) assert.ok(used.has(id), `no case for message ${id}`);
    });
    for (const c of cases.valid)
      it(`passes: ${c.name}`, () => {
        assert.deepEqual(runRegistrationCheck(check, { ...GOOD_REGISTRATION, ...c.change }), []);
      });
    for (const c of cases.invalid)
      it(`fails: ${c.name}`, () => {
        compare(runRegistrationCheck(check, { ...GOOD_REGISTRATION, ...c.change }), c.findings);
      });
  });
}

/** A scan finding of an image rule, as the listing checks read it from a report. */
export function scanFinding(rule: string, fields: Partial<Finding> = {}): Finding {
  return {
    rule,
    title: rule,
    clauses: [],
    severity: "low",
    messageId: "message",
    message: rule,
    data: {},
    remediation: "",
    fixable: false,
    root: "/",
    ...fields,
  };
}
