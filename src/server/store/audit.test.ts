/**
 * A call's audit entry is committed in the same transaction as its change: a change never lands
 * without its entry, and an entry handed over is written once.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { testImage, withStores } from "../../../test/support/store.js";
import type { AuditEntry, AuditRecord } from "./types.js";

const entry = (outcome: string): AuditEntry => ({
  at: "2026-11-23T12:00:00.000Z",
  accountId: "111122223333",
  accessKeyId: "AKIAEXAMPLEEXAMPLE00",
  action: "ModifyImageAttribute",
  resource: "ami-0",
  detail: "{}",
  sourceIp: "127.0.0.1",
  outcome,
});

test("a change whose audit entry cannot be written is not committed; a written one is there once", async () => {
  await withStores(async (open) => {
    const store = open();
    const owner = (await store.createAccount({})).account.accountId;
    const image = testImage(owner, "audited");
    const { imageId } = image;
    await store.insertImage(image, []);
    // audit_log.outcome is NOT NULL: this entry fails inside the transaction.
    const broken: AuditRecord = { entry: entry(null as unknown as string), written: false };
    await assert.rejects(store.modifyLaunchPermissions(imageId, [{ group: "all" }], [], broken));
    assert.equal(broken.written, false);
    assert.deepEqual(await store.launchPermissions(imageId), [], "the change was rolled back with it");
    assert.equal((await store.image(imageId))?.isPublic, false);

    const good: AuditRecord = { entry: entry("ok"), written: false };
    await store.modifyLaunchPermissions(imageId, [{ userId: "444455556666" }], [], good);
    assert.equal(good.written, true);
    // Handed to a second write of the same call, it is not written again.
    await store.updateImage(imageId, { description: "d" }, good);
    const log = await store.auditLog(10);
    assert.deepEqual(
      log.map((e) => e.outcome),
      ["ok"],
    );
  });
});
