/**
 * The image lifecycle's part of the store contract (#18), run against SQLite and PostgreSQL beside
 * store-contract.ts: deregistered images keep a record (who it was shared with, organizations and
 * OUs included), disabled images lose their grants, and the describe narrowing leaves out disabled
 * and other owners' deprecated images.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Image, Store } from "../../src/server/store/types.js";
import { type StoreKind, testImage } from "./store.js";

const ids = (images: readonly Image[]) => images.map((i) => i.imageId);
const sorted = (images: readonly Image[]) => ids(images).sort();

export function lifecycleContract(kind: StoreKind): void {
  const withStore = (body: (store: Store) => Promise<void>) =>
    kind.withStores(async (open) => body(await open()));

  describe(`store lifecycle contract (${kind.name})`, () => {
    test("deregistering keeps a record: the last document, when, and the accounts it was shared with", async () => {
      await withStore(async (s) => {
        const owner = (await s.createAccount({})).account.accountId;
        const friend = (await s.createAccount({})).account.accountId;
        const image = testImage(owner, "gone", { description: "last words" });
        const kept = testImage(owner, "kept");
        await s.insertImage(image, [{ key: "k", value: "v" }]);
        await s.insertImage(kept, []);
        const ou = "arn:aws:organizations::111122223333:ou/o-abcdef1234/ou-ab12-11111111";
        await s.modifyLaunchPermissions(
          image.imageId,
          [{ userId: friend }, { group: "all" }, { organizationalUnitArn: ou }],
          [],
        );
        assert.equal(await s.deregisteredImage(image.imageId), undefined);
        const before = new Date().toISOString();
        await s.deleteImage(image.imageId);
        assert.equal(await s.image(image.imageId), undefined);
        const record = await s.deregisteredImage(image.imageId);
        assert.ok(record);
        assert.deepEqual(record.image, { ...image, isPublic: true, state: "deregistered" });
        // Accounts and organization/OU ARNs, in the order granted; Group=all is isPublic.
        assert.deepEqual(record.sharedWith, [friend, ou]);
        assert.ok(record.deregisteredAt >= before);
        assert.deepEqual(
          (await s.deregisteredSince(before)).map((r) => r.image.imageId),
          [image.imageId],
        );
        assert.deepEqual(await s.deregisteredSince("9999-01-01T00:00:00.000Z"), []);
        assert.deepEqual(
          (await s.deregisteredSince(before, [kept.imageId, image.imageId])).map((r) => r.image.imageId),
          [image.imageId],
        );
        assert.deepEqual(await s.deregisteredSince(before, [kept.imageId]), []);
        // The name is free again at once.
        await s.insertImage(testImage(owner, "gone"), []);
      });
    });

    test("deregistered images read for an account: at least all it could see, none of others' private ones", async () => {
      await withStore(async (s) => {
        const owner = (await s.createAccount({})).account.accountId;
        const me = (await s.createAccount({})).account.accountId;
        const other = (await s.createAccount({})).account.accountId;
        const org = "arn:aws:organizations::111122223333:organization/o-abcdef1234";
        const images = {
          mine: testImage(me, "mine"),
          public: testImage(owner, "public"),
          byId: testImage(owner, "by-id"),
          byOrg: testImage(owner, "by-org"),
          othersPrivate: testImage(owner, "private"),
          sharedWithOther: testImage(owner, "other"),
        };
        for (const i of Object.values(images)) await s.insertImage(i, []);
        await s.modifyLaunchPermissions(images.public.imageId, [{ group: "all" }], []);
        await s.modifyLaunchPermissions(images.byId.imageId, [{ userId: other }, { userId: me }], []);
        await s.modifyLaunchPermissions(images.byOrg.imageId, [{ organizationArn: org }], []);
        await s.modifyLaunchPermissions(images.sharedWithOther.imageId, [{ userId: other }], []);
        const before = new Date().toISOString();
        for (const i of Object.values(images)) await s.deleteImage(i.imageId);
        const read = async (inOrganization: boolean) =>
          (await s.deregisteredSince(before, undefined, { callerId: me, inOrganization }))
            .map((r) => r.image.name)
            .sort();
        assert.deepEqual(await read(false), ["by-id", "mine", "public"]);
        assert.deepEqual(await read(true), ["by-id", "by-org", "mine", "public"]);
        assert.equal((await s.deregisteredSince(before)).length, 6, "unnarrowed: every one");
      });
    });

    test("disabling removes every grant and makes the image private in one change", async () => {
      await withStore(async (s) => {
        const owner = (await s.createAccount({})).account.accountId;
        const friend = (await s.createAccount({})).account.accountId;
        const image = testImage(owner, "to-disable");
        await s.insertImage(image, []);
        await s.modifyLaunchPermissions(image.imageId, [{ userId: friend }, { group: "all" }], []);
        await s.disableImage(image.imageId);
        assert.deepEqual(await s.image(image.imageId), { ...image, state: "disabled", isPublic: false });
        assert.deepEqual(await s.launchPermissions(image.imageId), []);
        assert.equal(await s.countPublicImages(owner), 0);
        assert.deepEqual(
          ids(
            await s.queryImages({
              callerId: friend,
              executableBy: { all: false, self: true, accountIds: [] },
            }),
          ),
          [],
        );
        await s.updateImage(image.imageId, { state: "available" });
        assert.equal((await s.image(image.imageId))?.state, "available");
        await s.disableImage("ami-00000000000000000");
      });
    });

    test("describe narrowing: disabled images and other owners' deprecated images are left out on request", async () => {
      await withStore(async (s) => {
        const a = (await s.createAccount({})).account.accountId;
        const b = (await s.createAccount({})).account.accountId;
        const asOf = "2026-06-01T00:00:00.000Z";
        const plain = testImage(b, "plain");
        const deprecated = testImage(b, "deprecated", { deprecationTime: "2026-05-31T23:59:00.000Z" });
        const soon = testImage(b, "deprecated-later", { deprecationTime: "2026-06-01T00:01:00.000Z" });
        const disabled = testImage(b, "disabled");
        const mineDeprecated = testImage(a, "mine-deprecated", {
          deprecationTime: "2026-01-01T00:00:00.000Z",
        });
        const mineDisabled = testImage(a, "mine-disabled");
        for (const i of [plain, deprecated, soon, disabled, mineDeprecated, mineDisabled])
          await s.insertImage(i, []);
        for (const i of [plain, deprecated, soon, disabled])
          await s.modifyLaunchPermissions(i.imageId, [{ userId: a }], []);
        await s.disableImage(disabled.imageId);
        await s.disableImage(mineDisabled.imageId);
        // Deprecation set after insertion is narrowed on too.
        await s.updateImage(plain.imageId, { description: "still plain" });

        const narrow = { excludeDisabled: true, hideDeprecatedAsOf: asOf };
        assert.deepEqual(
          ids(await s.queryImages({ callerId: a, ...narrow })),
          sorted([plain, soon, mineDeprecated]),
        );
        assert.deepEqual(ids(await s.queryImages({ callerId: a, ownerIds: [a], ...narrow })), [
          mineDeprecated.imageId,
        ]);
        assert.deepEqual(
          ids(
            await s.queryImages({
              callerId: a,
              executableBy: { all: false, self: true, accountIds: [] },
              ...narrow,
            }),
          ),
          sorted([plain, soon]),
        );
        assert.deepEqual(
          ids(await s.queryImages({ callerId: a, ownerIds: [b], ...narrow })),
          sorted([plain, soon]),
        );
        assert.deepEqual(
          ids(await s.queryImages({ callerId: a, ownerIds: [a], excludeDisabled: false })),
          sorted([mineDeprecated, mineDisabled]),
        );
        assert.deepEqual(
          ids(await s.queryImages({ callerId: a, hideDeprecatedAsOf: asOf })),
          sorted([plain, soon, mineDeprecated, mineDisabled]),
        );
        await s.updateImage(soon.imageId, { deprecationTime: "2026-05-01T00:00:00.000Z" });
        assert.deepEqual(ids(await s.queryImages({ callerId: a, ownerIds: [b], ...narrow })), [
          plain.imageId,
        ]);
        await s.updateImage(soon.imageId, { deprecationTime: undefined });
        assert.deepEqual(
          ids(await s.queryImages({ callerId: a, ownerIds: [b], ...narrow })),
          sorted([plain, soon]),
        );
        // Paged by key, the narrowing applies before the limit.
        assert.deepEqual(
          ids(await s.queryImages({ callerId: a, ...narrow, limit: 2 })),
          sorted([plain, soon, mineDeprecated]).slice(0, 2),
        );
      });
    });
  });
}
