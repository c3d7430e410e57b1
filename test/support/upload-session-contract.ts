/**
 * Upload sessions in the store (store/upload-session-store.ts), the same on SQLite and PostgreSQL:
 * parts recorded and replaced, held bytes per account, one assembler at a time under a lease,
 * finishing forgets the parts, expiry spares a session under a live lease. Two connections stand
 * for two nodes.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Store } from "../../src/server/store/types.js";
import type { StoreKind } from "./store.js";

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();
const part = (partNumber: number, size: number, digit: string) => ({
  partNumber,
  size,
  sha256: digit.repeat(64),
});

async function session(s: Store, accountId: string, uploadId: string): Promise<void> {
  await s.createUploadSession(
    { uploadId, accountId, size: 300, sha256: "f".repeat(64), partSize: 100, createdAt: at(0) },
    at(0),
  );
}

export function uploadSessionContract(kind: StoreKind): void {
  describe(`upload session store (${kind.name})`, () => {
    test("parts recorded from either node, replaced, counted while open; finished sessions keep only their result", async () => {
      await kind.withStores(async (open) => {
        const [one, two] = [await open(), await open()];
        const account = (await one.createAccount({})).account.accountId;
        const other = (await one.createAccount({})).account.accountId;
        const id = "a".repeat(32);
        await session(one, account, id);
        await session(one, other, "b".repeat(32));
        assert.equal(await one.recordUploadPart(id, part(2, 100, "1")), undefined);
        assert.equal(await two.recordUploadPart(id, part(1, 100, "2")), undefined);
        assert.equal(await two.recordUploadPart(id, part(2, 100, "1")), undefined, "the same bytes again");
        assert.deepEqual(await one.recordUploadPart(id, part(2, 100, "3")), part(2, 100, "1"));
        assert.equal(await one.recordUploadPart("c".repeat(32), part(1, 100, "1")), false);
        await two.recordUploadPart("b".repeat(32), part(1, 100, "4"));
        const seen = await one.uploadSession(id);
        assert.deepEqual(seen?.parts, [part(1, 100, "2"), part(2, 100, "3")]);
        assert.equal(seen?.result, undefined);
        assert.equal(await two.uploadHeldBytes(account), 200);
        assert.deepEqual(
          (await two.accountUploadSessions(account)).map((s) => [
            s.uploadId,
            s.size,
            s.partSize,
            s.parts.length,
          ]),
          [[id, 300, 100, 0]],
        );
        await two.touchUploadSession(id, at(5));
        assert.equal((await one.uploadSession(id))?.touchedAt, at(5));
        const result = { imageLocation: `amigate:blob/${"f".repeat(64)}`, sha256: "f".repeat(64), size: 300 };
        assert.deepEqual(await one.finishUploadSession(id, result, at(6)), [
          part(1, 100, "2"),
          part(2, 100, "3"),
        ]);
        const done = await two.uploadSession(id);
        assert.deepEqual(done?.result, result);
        assert.deepEqual(done?.parts, []);
        assert.equal(await two.uploadHeldBytes(account), 0);
        assert.equal(await two.uploadHeldBytes(other), 100);
        assert.equal(
          await two.recordUploadPart(id, part(3, 100, "1")),
          false,
          "a finished session takes no parts",
        );
        assert.deepEqual(await two.deleteUploadSession("b".repeat(32)), [part(1, 100, "4")]);
        assert.equal(await one.uploadSession("b".repeat(32)), undefined);
      });
    });

    test("assembly: one holder at a time until its lease runs out; expiry spares a leased session", async () => {
      await kind.withStores(async (open) => {
        const [one, two] = [await open(), await open()];
        const account = (await one.createAccount({})).account.accountId;
        const id = "d".repeat(32);
        await session(one, account, id);
        assert.equal(await one.claimUploadAssembly(id, "node-1", at(1), at(3)), true);
        assert.equal(await two.claimUploadAssembly(id, "node-2", at(2), at(4)), false);
        assert.equal(await one.claimUploadAssembly(id, "node-1", at(2), at(5)), true, "renewed");
        assert.equal((await two.uploadSession(id))?.assemblyUntil, at(5));
        assert.deepEqual(await two.expiredUploadSessions(at(9), at(4)), [], "leased");
        assert.equal(await two.claimUploadAssembly(id, "node-2", at(5), at(7)), true, "the lease ran out");
        await one.releaseUploadAssembly(id, "node-1");
        assert.equal((await one.uploadSession(id))?.assemblyUntil, at(7), "only the holder releases");
        await two.releaseUploadAssembly(id, "node-2");
        assert.equal((await one.uploadSession(id))?.assemblyUntil, undefined);
        assert.deepEqual(await two.expiredUploadSessions(at(9), at(9)), [id]);
        assert.deepEqual(await two.expiredUploadSessions(at(0), at(9)), [], "touched at 0 is not before 0");
        await one.finishUploadSession(id, { error: { code: "InvalidParameterValue", message: "no" } }, at(8));
        assert.equal(await one.claimUploadAssembly(id, "node-1", at(9), at(10)), false, "finished");
      });
    });
  });
}
