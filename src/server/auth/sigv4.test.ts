import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { bodyText, parseEc2, type TestCatalogue, testCatalogue } from "../../../test/support/catalogue.js";
import { presignUrl, signHeaders } from "../sign.js";
import type { NewAccount } from "../store/types.js";

let c: TestCatalogue;
let acct: NewAccount;
const endpoint = new URL("http://127.0.0.1:8754/");
const BODY = "Action=DescribeImages&Version=2016-11-15&Owner.1=self";

before(async () => {
  c = await testCatalogue();
  acct = await c.account("auth");
});
after(() => c.dispose());

async function send(headers: Record<string, string>, body = BODY, url = "/") {
  const res = await c.app.handle({
    method: "POST",
    url,
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
    body: Buffer.from(body),
    remoteAddress: "127.0.0.1",
  });
  return parseEc2(await bodyText(res), res.status);
}

const sign = (
  creds: { accessKeyId: string; secretAccessKey: string },
  opts: { date?: Date; region?: string } = {},
) =>
  signHeaders(creds, {
    method: "POST",
    url: endpoint,
    headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
    body: BODY,
    ...(opts.date ? { signingDate: opts.date } : {}),
    ...(opts.region ? { region: opts.region } : {}),
  });

test("a correct signature is accepted, in any region scope", async () => {
  assert.equal((await send(await sign(acct))).status, 200);
  assert.equal((await send(await sign(acct, { region: "eu-west-1" }))).status, 200);
});

test("wrong secret and unknown key: AuthFailure, HTTP 401", async () => {
  for (const creds of [
    {
      accessKeyId: acct.accessKeyId,
      secretAccessKey: acct.secretAccessKey.replace(/^./, (ch) => (ch === "A" ? "B" : "A")),
    },
    { accessKeyId: "AKIAUNKNOWNUNKNOWN00", secretAccessKey: acct.secretAccessKey },
  ]) {
    const r = await send(await sign(creds));
    assert.deepEqual(
      [r.status, r.code, r.message],
      [401, "AuthFailure", "AWS was not able to validate the provided access credentials"],
    );
    assert.match(r.raw, /<RequestID>[0-9a-f-]{36}<\/RequestID>/);
  }
});

test("a tampered body fails the signature", async () => {
  const r = await send(await sign(acct), BODY.replace("self", "amazon"));
  assert.deepEqual([r.status, r.code], [401, "AuthFailure"]);
});

test("clock skew: 14 minutes accepted, 16 minutes RequestExpired (400)", async () => {
  assert.equal((await send(await sign(acct, { date: new Date(Date.now() - 14 * 60_000) }))).status, 200);
  const late = await send(await sign(acct, { date: new Date(Date.now() - 16 * 60_000) }));
  assert.deepEqual([late.status, late.code, late.message], [400, "RequestExpired", "Request has expired."]);
  const early = await send(await sign(acct, { date: new Date(Date.now() + 16 * 60_000) }));
  assert.equal(early.code, "RequestExpired");
});

test("no signature at all", async () => {
  const r = await send({ "content-type": "application/x-www-form-urlencoded", host: endpoint.host });
  assert.deepEqual([r.status, r.code], [401, "MissingAuthenticationToken"]);
});

test("presigned query form (GET with Action in the query)", async () => {
  const url = new URL("/?Action=DescribeImages&Version=2016-11-15&Owner.1=self", endpoint);
  const signed = await presignUrl(acct, url, 300);
  const get = async (u: URL) => {
    const res = await c.app.handle({
      method: "GET",
      url: u.pathname + u.search,
      headers: { host: endpoint.host },
      body: Buffer.alloc(0),
      remoteAddress: "127.0.0.1",
    });
    return parseEc2(await bodyText(res), res.status);
  };
  const ok = await get(signed);
  assert.equal(ok.status, 200, ok.raw);
  assert.ok("DescribeImagesResponse" in ok.body);
  const tampered = new URL(signed);
  tampered.searchParams.set("Owner.1", "amazon");
  assert.equal((await get(tampered)).code, "AuthFailure");
  const expired = await presignUrl(acct, url, 60, new Date(Date.now() - 5 * 60_000));
  assert.equal((await get(expired)).code, "RequestExpired");
});

test("secrets are sealed at rest: the database file does not contain them", async () => {
  const { readFileSync, readdirSync } = await import("node:fs");
  const files = readdirSync(c.dataDir).filter((f) => f.startsWith("catalogue.db"));
  assert.ok(files.length > 0);
  // The main file and its WAL together hold every committed row.
  const bytes = Buffer.concat(files.map((f) => readFileSync(`${c.dataDir}/${f}`)));
  assert.equal(bytes.includes(Buffer.from(acct.secretAccessKey)), false);
  assert.equal(bytes.includes(Buffer.from(acct.accessKeyId)), true, "the key id is stored (sanity)");
});

test("the SDK signer's encoding of awkward queries, paths and headers verifies; one changed byte does not", async () => {
  const cases: { url: string; headers?: Record<string, string> }[] = [
    { url: "/?Action=DescribeImages&Version=2016-11-15&Filter.1.Name=name&Filter.1.Value.1=a%20b%2Bc~*" },
    {
      url: "/?Version=2016-11-15&Action=DescribeImages&Owner.2=self&Owner.1=self&Filter.1.Name=description&Filter.1.Value.1=%C3%A9%E2%82%AC",
    },
    { url: "/?Action=DescribeImages&Version=2016-11-15&Empty=&Z=1&A=2" },
    {
      url: "/?Action=DescribeImages&Version=2016-11-15",
      headers: { "x-amz-meta-note": "  spaced   out  ", "x-custom": "b" },
    },
  ];
  for (const { url, headers = {} } of cases) {
    const u = new URL(url, endpoint);
    const signed = await signHeaders(acct, {
      method: "POST",
      url: u,
      headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8", ...headers },
      body: "",
    });
    const ok = await send(signed, "", u.pathname + u.search);
    assert.equal(ok.status, 200, `${url}: ${ok.raw}`);
    const changed =
      u.search === "" ? "/?Action=DescribeImages&Version=2016-11-15" : `${u.pathname}${u.search}x`;
    const bad = await send(signed, "", changed);
    assert.equal(bad.code, "AuthFailure", `${url} changed to ${changed}`);
  }
});
