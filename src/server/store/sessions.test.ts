/** Console sessions in the store: kept by token hash, expired by end or idleness, gone with their key. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { withStores } from "../../../test/support/store.js";
import type { ConsoleSession } from "./types.js";

const session = (tokenHash: string, accountId: string, accessKeyId: string): ConsoleSession => ({
  tokenHash,
  accountId,
  accessKeyId,
  csrfToken: `csrf-${tokenHash}`,
  createdAt: "2026-11-23T10:00:00.000Z",
  lastSeenAt: "2026-11-23T10:00:00.000Z",
  expiresAt: "2026-11-23T22:00:00.000Z",
});

test("a session is found by its token hash from another connection, touched, and deleted", async () => {
  await withStores(async (open) => {
    const a = open();
    const { account, accessKeyId } = await a.createAccount({});
    await a.createSession(session("h1", account.accountId, accessKeyId));
    const b = open();
    assert.deepEqual(await b.session("h1"), session("h1", account.accountId, accessKeyId));
    assert.equal(await b.session("h2"), undefined);
    await b.touchSession("h1", "2026-11-23T10:30:00.000Z");
    assert.equal((await a.session("h1"))?.lastSeenAt, "2026-11-23T10:30:00.000Z");
    await a.deleteSession("h1");
    assert.equal(await b.session("h1"), undefined);
  });
});

test("expired sessions go: past their end, or idle since before the cut; others stay", async () => {
  await withStores(async (open) => {
    const s = open();
    const { account, accessKeyId } = await s.createAccount({});
    await s.createSession({
      ...session("ended", account.accountId, accessKeyId),
      expiresAt: "2026-11-23T11:00:00.000Z",
    });
    await s.createSession({
      ...session("idle", account.accountId, accessKeyId),
      lastSeenAt: "2026-11-23T10:05:00.000Z",
    });
    await s.createSession({
      ...session("live", account.accountId, accessKeyId),
      lastSeenAt: "2026-11-23T11:30:00.000Z",
    });
    assert.equal(await s.deleteExpiredSessions("2026-11-23T12:00:00.000Z", "2026-11-23T11:00:00.000Z"), 2);
    assert.deepEqual(
      [await s.session("ended"), await s.session("idle"), (await s.session("live"))?.tokenHash],
      [undefined, undefined, "live"],
    );
  });
});

test("a session for an unknown access key is refused by the schema", async () => {
  await withStores(async (open) => {
    const s = open();
    const { account } = await s.createAccount({});
    await assert.rejects(
      s.createSession(session("h", account.accountId, "AKIANOSUCHKEY0000000")),
      /FOREIGN KEY/,
    );
  });
});
