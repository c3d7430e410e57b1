/**
 * --account-quota with two API nodes on one throwaway PostgreSQL (test/support/postgres.ts): an
 * upload reserves its bytes in the shared database, so an upload held open on node 1 counts on
 * node 2 at once, a refused or finished upload's reservation ends, and the two nodes enforce one
 * quota. The reservations themselves (leases, one total per upload) are checked on both stores.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { bodyText, parseEc2 } from "../../test/support/catalogue.js";
import {
  type PostgresCluster,
  postgresMissing,
  postgresStores,
  startPostgres,
} from "../../test/support/postgres.js";
import { type StoreKind, sqliteStores } from "../../test/support/store.js";
import { type Catalogue, openCatalogueOn } from "./catalogue.js";
import { signHeaders } from "./sign.js";
import type { NewAccount, Store } from "./store/types.js";

const MiB = 2 ** 20;
const QUOTA = 10 * MiB;
const work = mkdtempSync(path.join(os.tmpdir(), "amigate-quota-"));
after(() => rmSync(work, { recursive: true, force: true }));

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** A body whose last chunk waits until release() (an upload still streaming). */
function heldBody(bytes: Buffer): { body: AsyncIterable<Uint8Array>; release(): void } {
  let release: () => void = () => undefined;
  const released = new Promise<void>((r) => {
    release = r;
  });
  return {
    body: (async function* () {
      yield bytes.subarray(0, MiB);
      await released;
      yield bytes.subarray(MiB);
    })(),
    release,
  };
}

/** A signed PUT /amigate/blobs through a node's App; `chunked`: without Content-Length. */
async function put(
  cat: Catalogue<Store>,
  who: NewAccount,
  bytes: Buffer,
  o: { chunked?: boolean; body?: AsyncIterable<Uint8Array> } = {},
): Promise<{ status: number; code?: string; message?: string }> {
  const url = new URL("http://127.0.0.1:8754/amigate/blobs");
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const headers = await signHeaders(who, {
    method: "PUT",
    url,
    headers: o.chunked ? {} : { "content-length": String(bytes.length) },
    bodySha256: sha256,
  });
  const res = await cat.app.handle({
    method: "PUT",
    url: url.pathname,
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
    body:
      o.body ??
      (async function* () {
        for (let at = 0; at < bytes.length; at += 256 * 1024) yield bytes.subarray(at, at + 256 * 1024);
      })(),
    remoteAddress: "192.0.2.9",
  });
  const raw = await bodyText(res);
  if (res.status === 200) return { status: 200 };
  const e = parseEc2(raw, res.status);
  return {
    status: res.status,
    ...(e.code ? { code: e.code } : {}),
    ...(e.message ? { message: e.message } : {}),
  };
}

describe("one --account-quota across two API nodes", { skip: postgresMissing() }, () => {
  let cluster: PostgresCluster;
  const nodes: Array<Catalogue<Store>> = [];
  let owner: NewAccount;
  const now = () => new Date().toISOString();

  before(async () => {
    cluster = await startPostgres();
    const url = await cluster.createDatabase();
    const dirs = [path.join(work, "node1"), path.join(work, "node2")];
    const open = (dataDir: string) =>
      openCatalogueOn(
        {
          dataDir,
          gateScope: "off",
          scanWorkers: 0,
          uploadLimits: { maxBlobBytes: 0, accountQuotaBytes: QUOTA },
        },
        url,
      );
    nodes.push(await open(dirs[0]!));
    mkdirSync(dirs[1]!, { mode: 0o700 });
    // Every node has the same secret.key (docs/deploy.md).
    writeFileSync(path.join(dirs[1]!, "secret.key"), readFileSync(path.join(dirs[0]!, "secret.key")), {
      mode: 0o600,
    });
    nodes.push(await open(dirs[1]!));
    owner = await nodes[0]!.store.createAccount({ alias: "acme" });
  });
  after(async () => {
    for (const n of nodes) await n.close();
    cluster?.stop();
  });

  reservationContract(postgresStores(() => cluster));

  test("an upload streaming through node 1 counts on node 2; what ends stops counting; stored bytes count on both", async () => {
    const [one, two] = [nodes[0]!, nodes[1]!];
    const id = owner.account.accountId;
    const first = randomBytes(6 * MiB);
    const held = heldBody(first);
    const streaming = put(one, owner, first, { body: held.body });
    await until("node 1's reservation", async () => (await two.store.accountBytes(id, now())) === 6 * MiB);

    const over = await put(two, owner, randomBytes(6 * MiB));
    assert.equal(over.status, 413);
    assert.equal(over.code, "ResourceLimitExceeded");
    assert.equal(
      over.message,
      `You have reached your quota of ${QUOTA} bytes of stored images (${6 * MiB} bytes stored or being uploaded).`,
    );
    assert.equal((await put(two, owner, randomBytes(3 * MiB))).status, 200);

    held.release();
    assert.equal((await streaming).status, 200);
    // 9 MiB stored, nothing reserved: the finished uploads' rows are gone.
    assert.equal(await one.store.accountBytes(id, now()), 9 * MiB);
    assert.equal(await one.store.blobBytes(id), 9 * MiB);

    // Without a Content-Length the count stops the stream past the quota, on either node.
    const cut = await put(one, owner, randomBytes(2 * MiB), { chunked: true });
    assert.equal(cut.status, 413);
    assert.equal(cut.code, "ResourceLimitExceeded");
    assert.equal(await two.store.accountBytes(id, now()), 9 * MiB);
    assert.equal((await put(two, owner, randomBytes(MiB), { chunked: true })).status, 200);
    assert.equal(await one.store.accountBytes(id, now()), QUOTA);
    assert.equal((await put(one, owner, randomBytes(1))).status, 413);

    // Another account's quota is its own.
    const other = await two.store.createAccount({});
    assert.equal((await put(one, other, randomBytes(MiB))).status, 200);
  });
});

function reservationContract(kind: StoreKind): void {
  test(`${kind.name}: one total per upload, counted with stored blobs until released or its lease runs out`, () =>
    kind.withStores(async (open) => {
      const store = await open();
      const id = (await store.createAccount({})).account.accountId;
      await store.recordBlob({ sha256: "a".repeat(64), size: 100, uploadedBy: id });
      const at = (minutes: number) => new Date(Date.UTC(2026, 11, 5, 10, minutes)).toISOString();
      const reserve = (reservationId: string, bytes: number, extraBytes = 0, when = 0) =>
        store.reserveUpload({
          reservationId,
          accountId: id,
          bytes,
          quota: 1000,
          extraBytes,
          expiresAt: at(when + 10),
          now: at(when),
        });
      assert.deepEqual(await reserve("u1", 500), { granted: true, used: 100 });
      // Setting the same upload again replaces its total, never adds to it.
      assert.deepEqual(await reserve("u1", 600), { granted: true, used: 100 });
      assert.equal(await store.accountBytes(id, at(1)), 700);
      assert.deepEqual(await reserve("u2", 301), { granted: false, used: 700 });
      assert.deepEqual(await reserve("u2", 250, 50), { granted: true, used: 750 });
      assert.equal(await store.accountBytes(id, at(1)), 950);
      await store.releaseUpload("u2");
      assert.equal(await store.accountBytes(id, at(1)), 700);
      // u1's lease ends at minute 10: a node that died mid-upload stops holding the room.
      assert.equal(await store.accountBytes(id, at(10)), 100);
      assert.deepEqual(await reserve("u3", 900, 0, 11), { granted: true, used: 100 });
    }));
}

describe("upload reservations on SQLite", () => reservationContract(sqliteStores));
