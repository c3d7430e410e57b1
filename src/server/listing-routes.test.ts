/**
 * The listing, attestation and submission endpoints in process (handle(), no socket): who may
 * read and write what, and the errors. The same flow against a running `amigate serve` with the
 * CLI is in listing-e2e.test.ts.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { bodyText, parseEc2, type TestCatalogue, testCatalogue } from "../../test/support/catalogue.js";
import { GOOD_LISTING } from "../../test/support/listing-tester.js";
import { sampleScanResult } from "../../test/support/scan-result.js";
import { testImage } from "../../test/support/store.js";
import { signHeaders } from "./sign.js";
import type { NewAccount } from "./store/types.js";

let cat: TestCatalogue;
let owner: NewAccount;
let friend: NewAccount;
let stranger: NewAccount;
let imageId: string;

async function call(who: NewAccount, method: string, path: string, body?: unknown) {
  const url = new URL(path, "http://127.0.0.1:8754");
  const text = body === undefined ? "" : typeof body === "string" ? body : JSON.stringify(body);
  const headers = await signHeaders(who, {
    method,
    url,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: text,
  });
  const res = await cat.app.handle({
    method,
    url: `${url.pathname}${url.search}`,
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
    body: Buffer.from(text),
    remoteAddress: "127.0.0.1",
  });
  const raw = await bodyText(res);
  if (res.status !== 200) return { status: res.status, code: parseEc2(raw, res.status).code, raw };
  return {
    status: 200,
    raw,
    json: res.headers["content-type"]?.startsWith("application/json") ? JSON.parse(raw) : undefined,
  };
}

before(async () => {
  cat = await testCatalogue();
  owner = await cat.account("acme");
  friend = await cat.account();
  stranger = await cat.account();
  const image = testImage(owner.account.accountId, "acme-web-1.4.2");
  imageId = image.imageId;
  await cat.store.insertImage(image, []);
  await cat.store.modifyLaunchPermissions(imageId, [{ userId: friend.account.accountId }], []);
  const scan = await cat.store.createScan(imageId);
  const report = sampleScanResult({
    listingFacts: {
      root: "/",
      os: { name: "Debian GNU/Linux", version: "12", family: "linux" },
      architecture: "x86_64",
      services: [{ name: "ssh.service", via: "systemd", source: "/etc/x" }],
      listeningPorts: [{ port: 22, protocol: "tcp", service: "ssh.service", source: "default" }],
      packages: [
        { name: "openssh-server", version: "1:9.2p1-2+deb12u5", ecosystem: "dpkg" },
        { name: "sudo", version: "1.9.13p3-1+deb12u1", ecosystem: "dpkg" },
      ],
    },
  });
  await cat.store.updateScan(scan.scanId, { status: "done", report: JSON.stringify(report) });
});
after(() => cat.dispose());

describe("listing endpoints", () => {
  it("the publisher profile: a web address only", async () => {
    assert.equal(
      (await call(owner, "PUT", "/amigate/publisher", { url: "ftp://x" })).code,
      "InvalidParameterValue",
    );
    const r = await call(owner, "PUT", "/amigate/publisher", { url: "https://acme.example.com" });
    assert.deepEqual(r.json, {
      accountId: owner.account.accountId,
      name: "acme",
      url: "https://acme.example.com",
    });
  });

  it("a draft for the owner, filled from the scan and the publisher", async () => {
    const r = await call(owner, "GET", `/amigate/images/${imageId}/listing/draft`);
    const l = r.json.listing;
    assert.deepEqual(
      [l.imageId, l.product, l.version, l.publisher, l.os, l.services, l.listeningPorts, l.packages],
      [
        imageId,
        "acme-web",
        "1.4.2",
        { name: "acme", url: "https://acme.example.com" },
        { name: "Debian GNU/Linux", version: "12" },
        ["ssh.service"],
        [{ port: 22, protocol: "tcp", service: "ssh.service" }],
        { total: 2, byEcosystem: { dpkg: 2 } },
      ],
    );
    assert.equal((await call(friend, "GET", `/amigate/images/${imageId}/listing/draft`)).code, "AuthFailure");
  });

  it("PUT stores a listing with its checks; bad documents are refused naming the field", async () => {
    assert.equal(
      (await call(owner, "GET", `/amigate/images/${imageId}/listing`)).code,
      "InvalidListing.NotFound",
    );
    const bad = await call(owner, "PUT", `/amigate/images/${imageId}/listing`, { descripton: "typo" });
    assert.equal(bad.code, "InvalidParameterValue");
    assert.match(bad.raw, /descripton/);
    assert.equal(
      (await call(owner, "PUT", `/amigate/images/${imageId}/listing`, "{not json")).code,
      "InvalidParameterValue",
    );
    const { imageId: _other, ...doc } = GOOD_LISTING;
    const r = await call(owner, "PUT", `/amigate/images/${imageId}/listing`, {
      ...doc,
      usageInstructions: "",
    });
    assert.equal(r.status, 200, r.raw);
    assert.equal(r.json.published, false);
    const usage = r.json.checks.find((c: { id: string }) => c.id === "meta-usage-instructions");
    assert.equal(usage.status, "failed");
    // Written without package counts: the scan's are stored; written with others: they stand, and fail.
    assert.deepEqual(r.json.listing.packages, { total: 2, byEcosystem: { dpkg: 2 } });
    assert.deepEqual((await cat.store.listing(imageId))?.listing.packages, r.json.listing.packages);
    const counted = await call(owner, "PUT", `/amigate/images/${imageId}/listing`, {
      ...doc,
      packages: { total: 3 },
    });
    assert.deepEqual(counted.json.listing.packages, { total: 3, byEcosystem: {} });
    const fields = counted.json.checks.find((c: { id: string }) => c.id === "meta-listing-fields");
    assert.deepEqual(
      fields.findings.map((f: { messageId: string }) => f.messageId),
      ["packagesDiffer"],
    );
    await call(owner, "PUT", `/amigate/images/${imageId}/listing`, { ...doc, usageInstructions: "" });
    assert.equal((await call(friend, "PUT", `/amigate/images/${imageId}/listing`, doc)).code, "AuthFailure");
    assert.equal(
      (await call(stranger, "GET", `/amigate/images/${imageId}/listing`)).code,
      "InvalidAMIID.NotFound",
    );
    // Shared, but the listing is not published: the friend does not see it.
    assert.equal(
      (await call(friend, "GET", `/amigate/images/${imageId}/listing`)).code,
      "InvalidListing.NotFound",
    );
  });

  it("publishing needs a public image; making it private unpublishes", async () => {
    const refused = await call(owner, "POST", `/amigate/images/${imageId}/listing/publish`);
    assert.equal(refused.code, "OperationNotPermitted");
    await cat.store.modifyLaunchPermissions(imageId, [{ group: "all" }], []);
    const r = await call(owner, "POST", `/amigate/images/${imageId}/listing/publish`);
    assert.equal(r.json.published, true);
    assert.equal(
      (await call(stranger, "GET", `/amigate/images/${imageId}/listing`)).json.listing.name,
      "acme-web-1.4.2",
    );
    const found = await call(stranger, "GET", "/amigate/listings?publisher=acm&os=debian");
    assert.deepEqual(
      found.json.listings.map((l: { imageId: string }) => l.imageId),
      [imageId],
    );
    assert.equal((await call(stranger, "GET", "/amigate/listings?limit=0")).code, "InvalidParameterValue");
    await cat.store.modifyLaunchPermissions(imageId, [], [{ group: "all" }]);
    assert.equal(
      (await call(friend, "GET", `/amigate/images/${imageId}/listing`)).code,
      "InvalidListing.NotFound",
    );
    assert.deepEqual((await call(stranger, "GET", "/amigate/listings")).json.listings, []);
  });

  it("attestations: the owner answers, who and when are recorded; the reports show them", async () => {
    const bad = await call(owner, "PUT", `/amigate/images/${imageId}/attestations`, {
      "attest-no-seller-access": "no",
    });
    assert.equal(bad.code, "InvalidParameterValue");
    const r = await call(owner, "PUT", `/amigate/images/${imageId}/attestations`, {
      answers: [{ id: "attest-no-seller-access", answer: "yes" }],
    });
    const item = r.json.attestations.find((a: { id: string }) => a.id === "attest-no-seller-access");
    assert.equal(item.status, "answered");
    assert.equal(item.answer.by, owner.account.accountId);
    assert.equal(
      (
        await call(friend, "PUT", `/amigate/images/${imageId}/attestations`, {
          "attest-no-seller-access": "yes",
        })
      ).code,
      "AuthFailure",
    );
    const scan = await call(friend, "GET", `/amigate/images/${imageId}/scan.json`);
    const shown = scan.json.report.attestations.find(
      (a: { id: string }) => a.id === "attest-no-seller-access",
    );
    assert.equal(shown.answer.answer, "yes");
    const statuses = Object.fromEntries(
      scan.json.report.metadataChecks.map((m: { id: string; status: string }) => [m.id, m.status]),
    );
    assert.equal(statuses["meta-usage-instructions"], "failed");
    assert.equal(statuses["meta-hvm"], "passed", "judged from the registered attributes");
  });

  it("the submission record, for the owner, as JSON and HTML", async () => {
    const r = await call(owner, "GET", `/amigate/images/${imageId}/submission.json`);
    assert.equal(r.json.ready, false);
    assert.ok(r.json.reasons.some((x: string) => x.startsWith("meta-usage-instructions (DOC-1)")));
    const html = await call(owner, "GET", `/amigate/images/${imageId}/submission.html`);
    assert.match(html.raw, /NOT READY/);
    assert.equal((await call(friend, "GET", `/amigate/images/${imageId}/submission`)).code, "AuthFailure");
    assert.equal(
      (await call(owner, "GET", "/amigate/images/ami-zz/submission")).code,
      "InvalidAMIID.Malformed",
    );
  });

  it("every write is in the audit log", async () => {
    const actions = (await cat.store.auditLog(100)).map((e) => `${e.action}:${e.outcome}`);
    for (const a of [
      "PutPublisher:ok",
      "PutListing:ok",
      "PublishListing:OperationNotPermitted",
      "PublishListing:ok",
      "PutAttestations:ok",
    ])
      assert.ok(actions.includes(a), `${a} in ${actions.join(" ")}`);
  });
});
