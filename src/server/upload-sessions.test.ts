/**
 * Upload sessions through the catalogue's request handler (signed requests, streamed parts): parts
 * in any order and listed, completion through the blob store's digest check, every refusal with its
 * EC2 error, --max-upload and --account-quota counting parts, expiry and a restart.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { afterEach, describe, test } from "node:test";
import { bodyText, parseEc2, type TestCatalogue, testCatalogue } from "../../test/support/catalogue.js";
import { signHeaders } from "./sign.js";
import type { NewAccount } from "./store/types.js";
import { FolderUploadParts } from "./store/upload-parts.js";
import { UploadSessions } from "./upload-sessions.js";

const MiB = 1024 * 1024;
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

const open: TestCatalogue[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.dispose();
});

async function catalogue(limits?: { maxBlobBytes: number; accountQuotaBytes: number }) {
  const c = await testCatalogue(limits ? { uploadLimits: limits } : {});
  open.push(c);
  return c;
}

interface Reply {
  status: number;
  json?: Record<string, unknown>;
  code?: string;
  message?: string;
}

/**
 * A signed request to the handler. `part` bodies are streamed (as the HTTP layer hands uploads on)
 * with `signedSha256` as their signed x-amz-content-sha256 (default: their own digest).
 */
async function call(
  c: TestCatalogue,
  who: NewAccount,
  method: string,
  p: string,
  body?: { json?: unknown; part?: Buffer; signedSha256?: string; contentLength?: number },
): Promise<Reply> {
  const url = new URL(p, "http://127.0.0.1:8754");
  const text = body?.json === undefined ? "" : JSON.stringify(body.json);
  const part = body?.part;
  const headers = await signHeaders(who, {
    method,
    url,
    headers: part
      ? { "content-length": String(body?.contentLength ?? part.length) }
      : text
        ? { "content-type": "application/json" }
        : {},
    ...(part ? { bodySha256: body?.signedSha256 ?? sha(part) } : { body: text }),
  });
  const res = await c.app.handle({
    method,
    url: p,
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
    body: part
      ? (async function* () {
          yield part;
        })()
      : Buffer.from(text),
    remoteAddress: "127.0.0.1",
  });
  const raw = await bodyText(res);
  if (res.headers["content-type"] === "application/json")
    return { status: res.status, json: JSON.parse(raw) as Record<string, unknown> };
  const e = parseEc2(raw, res.status);
  return { status: res.status, ...(e.code ? { code: e.code, message: e.message! } : {}) };
}

/** An image of 2.5 MiB in parts of 1 MiB: three parts, the last half a MiB. */
function image() {
  const bytes = randomBytes(2.5 * MiB);
  const parts = [0, 1, 2].map((i) => bytes.subarray(i * MiB, Math.min(bytes.length, (i + 1) * MiB)));
  return { bytes, parts, declared: { size: bytes.length, sha256: sha(bytes), partSize: MiB } };
}

describe("upload sessions", () => {
  test("parts in any order, listed as they arrive; complete stores the blob through the blob store, once", async () => {
    const c = await catalogue();
    const a = await c.account("acme");
    const img = image();
    const created = await call(c, a, "POST", "/amigate/uploads", { json: img.declared });
    assert.equal(created.status, 200);
    const id = created.json!.uploadId as string;
    assert.match(id, /^[0-9a-f]{32}$/);
    assert.deepEqual(
      { ...created.json, uploadId: "", createdAt: "", expiresAt: "" },
      { ...img.declared, uploadId: "", partCount: 3, createdAt: "", expiresAt: "", state: "open", parts: [] },
    );
    assert.deepEqual(
      (await call(c, a, "PUT", `/amigate/uploads/${id}/parts/3`, { part: img.parts[2]! })).json,
      {
        partNumber: 3,
        size: MiB / 2,
        sha256: sha(img.parts[2]!),
      },
    );
    assert.equal(
      (await call(c, a, "PUT", `/amigate/uploads/${id}/parts/1`, { part: img.parts[0]! })).status,
      200,
    );
    const listed = await call(c, a, "GET", `/amigate/uploads/${id}`);
    assert.deepEqual(
      (listed.json!.parts as Array<{ partNumber: number }>).map((p) => p.partNumber),
      [1, 3],
    );
    const early = await call(c, a, "POST", `/amigate/uploads/${id}/complete`);
    assert.deepEqual(
      [early.status, early.code, early.message],
      [400, "InvalidPart", `The upload ${id} lacks 1 of its 3 parts: 2.`],
    );
    assert.equal(
      (await call(c, a, "PUT", `/amigate/uploads/${id}/parts/2`, { part: img.parts[1]! })).status,
      200,
    );
    const done = await call(c, a, "POST", `/amigate/uploads/${id}/complete`);
    const result = {
      imageLocation: `amigate:blob/${img.declared.sha256}`,
      sha256: img.declared.sha256,
      size: img.bytes.length,
    };
    assert.deepEqual([done.status, done.json], [200, result]);
    const stored = path.join(c.dataDir, "blobs", img.declared.sha256.slice(0, 2), img.declared.sha256);
    assert.ok(readFileSync(stored).equals(img.bytes));
    assert.equal(await c.store.blobBytes(a.account.accountId), img.bytes.length);
    // Asked again: the same answer; the parts are gone, the session no longer open.
    assert.deepEqual((await call(c, a, "POST", `/amigate/uploads/${id}/complete`)).json, result);
    assert.equal((await call(c, a, "GET", `/amigate/uploads/${id}`)).json!.state, "complete");
    assert.deepEqual((await call(c, a, "GET", "/amigate/uploads")).json, { uploads: [] });
    assert.ok(!existsSync(path.join(c.dataDir, "uploads", id, "parts")));
    const late = await call(c, a, "PUT", `/amigate/uploads/${id}/parts/1`, { part: img.parts[0]! });
    assert.deepEqual([late.status, late.code], [409, "InvalidRequest"]);
  });

  test("refusals: the declaration, a part's number, length and digest, another account's session", async () => {
    const c = await catalogue();
    const a = await c.account("acme");
    const b = await c.account("other");
    const img = image();
    const refused = async (body: unknown) => {
      const r = await call(c, a, "POST", "/amigate/uploads", { json: body });
      return `${r.status} ${r.code}: ${r.message}`;
    };
    assert.equal(
      await refused({ ...img.declared, partSize: 1000 }),
      "400 InvalidParameterValue: partSize must be a whole number of bytes from 1048576 to 536870912.",
    );
    assert.equal(
      await refused({ ...img.declared, sha256: "abc" }),
      "400 InvalidParameterValue: sha256 must be the image's SHA-256, 64 lower-case hex digits.",
    );
    assert.equal(
      await refused({ ...img.declared, size: 20_000 * MiB }),
      "400 InvalidParameterValue: 20000 parts of 1048576 bytes: at most 10000 parts are allowed; use parts of at least 2097152 bytes.",
    );
    assert.match(await refused("[1"), /^400 InvalidParameterValue: The body must be JSON/);

    const id = (await call(c, a, "POST", "/amigate/uploads", { json: img.declared })).json!
      .uploadId as string;
    const part = (n: string, body: Parameters<typeof call>[4]) =>
      call(c, a, "PUT", `/amigate/uploads/${id}/parts/${n}`, body).then(
        (r) => `${r.status} ${r.code}: ${r.message}`,
      );
    assert.equal(
      await part("4", { part: img.parts[0]! }),
      "400 InvalidParameterValue: The part number must be from 1 to 3, got '4'.",
    );
    assert.equal(
      await part("0", { part: img.parts[0]! }),
      "400 InvalidParameterValue: The part number must be from 1 to 3, got '0'.",
    );
    assert.equal(
      await part("3", { part: img.parts[0]! }),
      `400 InvalidParameterValue: Part 3 of upload ${id} has 524288 bytes; the request declares 1048576.`,
    );
    assert.match(
      await part("1", { part: img.parts[0]!, signedSha256: sha(img.parts[1]!) }),
      /^400 XAmzContentSHA256Mismatch: Part 1's digest [0-9a-f]{64} differs from the signed x-amz-content-sha256\.$/,
    );
    assert.deepEqual((await call(c, a, "GET", `/amigate/uploads/${id}`)).json!.parts, []);
    assert.ok(!existsSync(path.join(c.dataDir, "blobs", "uploads", id)), "no part kept");
    for (const [method, p] of [
      ["GET", `/amigate/uploads/${id}`],
      ["POST", `/amigate/uploads/${id}/complete`],
      ["DELETE", `/amigate/uploads/${id}`],
    ] as const) {
      const r = await call(c, b, method, p);
      assert.deepEqual([r.status, r.code], [404, "NoSuchUpload"], `${method} ${p}`);
    }
    const stranger = await call(c, b, "PUT", `/amigate/uploads/${id}/parts/1`, { part: img.parts[0]! });
    assert.deepEqual([stranger.status, stranger.code], [404, "NoSuchUpload"]);
    assert.deepEqual((await call(c, b, "GET", "/amigate/uploads")).json, { uploads: [] });
  });

  test("while another node holds the assembly lease: complete answers 202 assembling, parts and abort 409; then this node completes", async () => {
    const c = await catalogue();
    const a = await c.account("acme");
    const img = image();
    const id = (await call(c, a, "POST", "/amigate/uploads", { json: img.declared })).json!
      .uploadId as string;
    for (const [i, p] of img.parts.slice(0, 2).entries())
      assert.equal(
        (await call(c, a, "PUT", `/amigate/uploads/${id}/parts/${i + 1}`, { part: p })).status,
        200,
      );
    const now = Date.now();
    const lease = (ms: number) => new Date(now + ms).toISOString();
    assert.ok(await c.store.claimUploadAssembly(id, "another-node", lease(0), lease(60_000)));
    const asked = await call(c, a, "POST", `/amigate/uploads/${id}/complete`);
    assert.deepEqual([asked.status, asked.json!.state], [202, "assembling"]);
    const late = await call(c, a, "PUT", `/amigate/uploads/${id}/parts/3`, { part: img.parts[2]! });
    assert.deepEqual([late.status, late.code], [409, "InvalidRequest"]);
    const abort = await call(c, a, "DELETE", `/amigate/uploads/${id}`);
    assert.deepEqual([abort.status, abort.code], [409, "InvalidRequest"]);
    // The other node gave up (its lease ended without a result): the session takes parts again.
    await c.store.releaseUploadAssembly(id, "another-node");
    assert.equal(
      (await call(c, a, "PUT", `/amigate/uploads/${id}/parts/3`, { part: img.parts[2]! })).status,
      200,
    );
    const done = await call(c, a, "POST", `/amigate/uploads/${id}/complete`);
    assert.deepEqual([done.status, done.json!.sha256], [200, img.declared.sha256]);
    assert.equal(
      (await c.store.uploadSession(id))?.assemblyUntil,
      undefined,
      "the lease ends with the result",
    );
  });

  test("a declared digest the parts do not make fails the session for good; nothing is stored", async () => {
    const c = await catalogue();
    const a = await c.account("acme");
    const img = image();
    const id = (
      await call(c, a, "POST", "/amigate/uploads", {
        json: { ...img.declared, sha256: sha(Buffer.from("other")) },
      })
    ).json!.uploadId as string;
    for (const [i, p] of img.parts.entries())
      assert.equal(
        (await call(c, a, "PUT", `/amigate/uploads/${id}/parts/${i + 1}`, { part: p })).status,
        200,
      );
    const r = await call(c, a, "POST", `/amigate/uploads/${id}/complete`);
    assert.deepEqual([r.status, r.code], [400, "XAmzContentSHA256Mismatch"]);
    assert.equal((await call(c, a, "GET", `/amigate/uploads/${id}`)).json!.state, "failed");
    assert.equal(await c.store.blobBytes(a.account.accountId), 0);
    assert.ok(!existsSync(path.join(c.dataDir, "blobs", img.declared.sha256.slice(0, 2))));
  });

  test("--max-upload refuses a declared size; --account-quota counts parts held, for sessions and single PUTs", async () => {
    const c = await catalogue({ maxBlobBytes: 4 * MiB, accountQuotaBytes: 3 * MiB });
    const a = await c.account("acme");
    const img = image();
    const big = await call(c, a, "POST", "/amigate/uploads", { json: { ...img.declared, size: 5 * MiB } });
    assert.deepEqual(
      [big.status, big.code, big.message],
      [
        413,
        "RequestEntityTooLarge",
        `The upload of ${5 * MiB} bytes is larger than the limit of ${4 * MiB} bytes per image.`,
      ],
    );
    const id = (await call(c, a, "POST", "/amigate/uploads", { json: img.declared })).json!
      .uploadId as string;
    for (const n of [1, 2])
      assert.equal(
        (await call(c, a, "PUT", `/amigate/uploads/${id}/parts/${n}`, { part: img.parts[n - 1]! })).status,
        200,
      );
    // 2 MiB of parts held: another 1.5 MiB, whole or in a session, passes the 3 MiB quota.
    const more = randomBytes(1.5 * MiB);
    const whole = await call(c, a, "PUT", "/amigate/blobs", { part: more });
    assert.deepEqual([whole.status, whole.code], [413, "ResourceLimitExceeded"]);
    const second = await call(c, a, "POST", "/amigate/uploads", {
      json: { size: more.length, sha256: sha(more), partSize: MiB },
    });
    assert.deepEqual(
      [second.status, second.code, second.message],
      [
        413,
        "ResourceLimitExceeded",
        `You have reached your quota of ${3 * MiB} bytes of stored images (${2 * MiB} bytes stored or being uploaded).`,
      ],
    );
    // Aborted, its parts are deleted and no longer count.
    assert.deepEqual((await call(c, a, "DELETE", `/amigate/uploads/${id}`)).json, {
      uploadId: id,
      state: "aborted",
    });
    assert.ok(!existsSync(path.join(c.dataDir, "blobs", "uploads", id)));
    assert.equal((await call(c, a, "PUT", "/amigate/blobs", { part: more })).status, 200);
  });
});

describe("UploadSessions over the store", () => {
  test("another instance (a restart, another node) finds sessions and their parts; one untouched past the expiry is deleted", async () => {
    const c = await catalogue();
    const dir = path.join(c.dataDir, "part-bytes");
    const spool = path.join(c.dataDir, "spool");
    const owner = (await c.account("owner")).account.accountId;
    const stranger = (await c.account("stranger")).account.accountId;
    let now = Date.parse("2026-03-01T00:00:00Z");
    const limits = {
      minPartBytes: MiB,
      maxPartBytes: 4 * MiB,
      maxParts: 10,
      maxOpenPerAccount: 2,
      expiryMs: 3600_000,
    };
    const sessions = () => new UploadSessions(c.store, new FolderUploadParts(dir), spool, limits, () => now);
    const first = sessions();
    await first.ready();
    const img = image();
    const s = await first.create(owner, img.declared);
    await first.putPart(s, 2, Readable.from([img.parts[1]!]), sha(img.parts[1]!));
    await first.create(owner, img.declared);
    await assert.rejects(first.create(owner, img.declared), {
      code: "ResourceLimitExceeded",
      message: "You have 2 uploads open; complete or abort one (DELETE /amigate/uploads/{id}) first.",
    });

    now += 1800_000;
    const again = sessions();
    await again.ready();
    const found = await again.get(owner, s.uploadId);
    assert.deepEqual([...found.parts.values()], [{ partNumber: 2, size: MiB, sha256: sha(img.parts[1]!) }]);
    assert.equal(await again.heldBytes(owner), MiB);
    await assert.rejects(again.get(stranger, s.uploadId), { code: "NoSuchUpload" });

    // Touched at +30 min (the get above); the other session was last touched at 0.
    now += 3600_000 + 1;
    const later = sessions();
    await later.ready();
    assert.equal((await later.open(owner)).length, 0);
    assert.deepEqual(readdirSync(dir), []);
  });
});
