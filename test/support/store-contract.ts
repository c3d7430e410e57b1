/**
 * The store's contract: one suite of behaviour every Store must have, run against SQLite
 * (store.sqlite.test.ts) and a real PostgreSQL (store.postgres.test.ts). `open()` opens another
 * store on the same catalogue: another connection, as another process or API node would.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type {
  AuditEntry,
  AuditRecord,
  ConsoleSession,
  Image,
  ImageQuery,
  Store,
} from "../../src/server/store/types.js";
import { listingOf } from "./listing-tester.js";
import { type StoreKind, testImage } from "./store.js";

const nextTurn = () => new Promise((r) => setImmediate(r));

const entry = (outcome: string, action = "ModifyImageAttribute"): AuditEntry => ({
  at: "2026-11-23T12:00:00.000Z",
  accountId: "111122223333",
  accessKeyId: "AKIAEXAMPLEEXAMPLE00",
  action,
  resource: "ami-0",
  detail: "{}",
  sourceIp: "127.0.0.1",
  outcome,
});

const session = (tokenHash: string, accountId: string, accessKeyId: string): ConsoleSession => ({
  tokenHash,
  accountId,
  accessKeyId,
  csrfToken: `csrf-${tokenHash}`,
  createdAt: "2026-11-23T10:00:00.000Z",
  lastSeenAt: "2026-11-23T10:00:00.000Z",
  expiresAt: "2026-11-23T22:00:00.000Z",
});

const execSelf = (callerId: string) => ({
  callerId,
  executableBy: { all: false, self: true, accountIds: [] },
});

const ids = (images: readonly Image[]) => images.map((i) => i.imageId);

export function storeContract(kind: StoreKind): void {
  const withStores = kind.withStores;
  const withStore = (body: (store: Store) => Promise<void>) => withStores(async (open) => body(await open()));

  describe(`store contract (${kind.name})`, () => {
    test("accounts: created with keys, found by id and alias, listed; an alias is unique", async () => {
      await withStore(async (s) => {
        const acme = await s.createAccount({ alias: "acme" });
        const admin = await s.createAccount({ admin: true, accountId: "123456789012" });
        assert.match(acme.account.accountId, /^\d{12}$/);
        assert.equal(admin.account.accountId, "123456789012");
        assert.deepEqual(await s.account(acme.account.accountId), acme.account);
        assert.deepEqual(await s.accountByAlias("acme"), acme.account);
        assert.equal(await s.accountByAlias("nobody"), undefined);
        assert.equal((await s.account("123456789012"))?.admin, true);
        assert.deepEqual(
          (await s.accounts()).map((a) => a.accountId).sort(),
          [acme.account.accountId, "123456789012"].sort(),
        );
        assert.deepEqual(await s.accessKey(acme.accessKeyId), {
          accountId: acme.account.accountId,
          secretAccessKey: acme.secretAccessKey,
        });
        assert.equal(await s.accessKey("AKIANOSUCHKEY0000000"), undefined);
        await assert.rejects(s.createAccount({ alias: "acme" }));
        assert.equal((await s.accounts()).length, 2, "the refused account left nothing behind");
      });
    });

    test("the first start's admin: created on an empty catalogue only, once among nodes starting together", async () => {
      await withStores(async (open) => {
        const nodes = [await open(), await open(), await open()];
        const created = await Promise.all(nodes.flatMap((s) => [s.createFirstAdmin(), s.createFirstAdmin()]));
        const admins = created.filter((c) => c !== undefined);
        assert.equal(admins.length, 1);
        assert.equal(admins[0]!.account.admin, true);
        assert.deepEqual(await nodes[2]!.accounts(), [admins[0]!.account]);
        assert.equal(await nodes[1]!.createFirstAdmin(), undefined);
        assert.equal(await nodes[0]!.secretKeyFits(), true, "the nodes share the secret key");
      });
      await withStore(async (s) => {
        assert.equal(await s.secretKeyFits(), true, "nothing sealed yet");
        await s.createAccount({ alias: "early" });
        assert.equal(await s.createFirstAdmin(), undefined, "any account makes the catalogue not new");
      });
    });

    test("images: inserted with the owner's tags, patched, counted public, deleted with their tags", async () => {
      await withStore(async (s) => {
        const owner = (await s.createAccount({})).account.accountId;
        const image = testImage(owner, "web-1", {
          blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeSize: 8, volumeType: "gp3" } }],
        });
        await s.insertImage(image, [{ key: "team", value: "web" }]);
        assert.deepEqual(await s.image(image.imageId), image);
        assert.equal(await s.image("ami-00000000000000000"), undefined);
        assert.deepEqual(Object.fromEntries(await s.tags(owner, [image.imageId])), {
          [image.imageId]: [{ key: "team", value: "web" }],
        });
        await assert.rejects(
          s.insertImage({ ...testImage(owner, "web-1") }, []),
          "a name is unique per owner",
        );

        await s.updateImage(image.imageId, { description: "first", name: "web-1b" });
        await s.updateImage(image.imageId, { imdsSupport: "v2.0" });
        assert.deepEqual(await s.image(image.imageId), {
          ...image,
          name: "web-1b",
          description: "first",
          imdsSupport: "v2.0",
        });
        await s.updateImage("ami-00000000000000000", { description: "nothing" });

        assert.equal(await s.countPublicImages(owner), 0);
        await s.modifyLaunchPermissions(image.imageId, [{ group: "all" }], []);
        assert.equal(await s.countPublicImages(owner), 1);

        await s.deleteImage(image.imageId);
        assert.equal(await s.image(image.imageId), undefined);
        assert.equal((await s.tags(owner, [image.imageId])).size, 0);
        assert.equal(await s.countPublicImages(owner), 0);
      });
    });

    test("describe: own, public and shared images are visible, in id order, paged by key", async () => {
      await withStore(async (s) => {
        const a = (await s.createAccount({})).account.accountId;
        const b = (await s.createAccount({})).account.accountId;
        const c = (await s.createAccount({})).account.accountId;
        const mine = [1, 2, 3].map((n) => testImage(a, `a-${n}`));
        const publicOfB = testImage(b, "b-public");
        const sharedByB = testImage(b, "b-shared");
        const privateOfB = testImage(b, "b-private");
        for (const i of [...mine, publicOfB, sharedByB, privateOfB]) await s.insertImage(i, []);
        await s.modifyLaunchPermissions(publicOfB.imageId, [{ group: "all" }], []);
        await s.modifyLaunchPermissions(sharedByB.imageId, [{ userId: a }], []);
        const sorted = (images: Image[]) => images.map((i) => i.imageId).sort();

        assert.deepEqual(ids(await s.queryImages({ callerId: a })), sorted([...mine, publicOfB, sharedByB]));
        assert.deepEqual(ids(await s.queryImages({ callerId: c })), [publicOfB.imageId]);
        assert.deepEqual(ids(await s.queryImages({ callerId: a, ownerIds: [a] })), sorted(mine));
        assert.deepEqual(
          ids(await s.queryImages({ callerId: a, ownerIds: [b] })),
          sorted([publicOfB, sharedByB]),
        );
        assert.deepEqual(
          ids(await s.queryImages({ callerId: a, ownerIds: [a, b] })),
          sorted([...mine, publicOfB, sharedByB]),
        );
        assert.deepEqual(
          ids(await s.queryImages({ callerId: a, imageIds: [privateOfB.imageId, mine[0]!.imageId] })),
          [mine[0]!.imageId],
          "an image the caller may not see is left out",
        );
        assert.deepEqual(
          ids(await s.queryImages({ callerId: a, executableBy: { all: true, self: false, accountIds: [] } })),
          [publicOfB.imageId],
        );
        assert.deepEqual(ids(await s.queryImages(execSelf(a))), [sharedByB.imageId]);
        assert.deepEqual(
          ids(
            await s.queryImages({ callerId: b, executableBy: { all: false, self: false, accountIds: [a] } }),
          ),
          [sharedByB.imageId],
        );
        assert.deepEqual(
          ids(
            await s.queryImages({ callerId: b, executableBy: { all: false, self: false, accountIds: [] } }),
          ),
          [],
        );
        const shared = await s.queryImages(execSelf(a));
        assert.equal(shared[0]?.isPublic, false);
        assert.equal((await s.queryImages({ callerId: c }))[0]?.isPublic, true);

        // Keyset paging: pages of 2 from the start, each after the last id of the one before.
        const all = sorted([...mine, publicOfB, sharedByB]);
        const pages: string[][] = [];
        let after: string | undefined;
        do {
          const page = ids(
            await s.queryImages({
              callerId: a,
              limit: 2,
              ...(after !== undefined ? { afterImageId: after } : {}),
            }),
          );
          if (page.length === 0) break;
          pages.push(page);
          after = page.at(-1);
        } while (pages.length < 10);
        assert.deepEqual(pages.flat(), all);
        assert.deepEqual(
          pages.map((p) => p.length),
          [2, 2, 1],
        );
        assert.deepEqual(
          ids(await s.queryImages({ callerId: a, ownerIds: [a], afterImageId: "ami-0", limit: 1 })),
          sorted(mine).slice(0, 1),
        );
      });
    });

    test("launch permissions: kept in the order added, once each; Group=all makes the image public", async () => {
      await withStore(async (s) => {
        const owner = (await s.createAccount({})).account.accountId;
        const image = testImage(owner, "shared");
        await s.insertImage(image, []);
        const { imageId } = image;
        const list = await s.modifyLaunchPermissions(
          imageId,
          [{ userId: "444455556666" }, { organizationArn: "arn:aws:organizations::1:organization/o-1" }],
          [],
        );
        assert.deepEqual(list, [
          { userId: "444455556666" },
          { organizationArn: "arn:aws:organizations::1:organization/o-1" },
        ]);
        assert.equal((await s.image(imageId))?.isPublic, false);
        await s.modifyLaunchPermissions(
          imageId,
          [{ group: "all" }, { userId: "444455556666" }, { organizationalUnitArn: "arn:ou" }],
          [],
        );
        assert.deepEqual(await s.launchPermissions(imageId), [
          { userId: "444455556666" },
          { organizationArn: "arn:aws:organizations::1:organization/o-1" },
          { group: "all" },
          { organizationalUnitArn: "arn:ou" },
        ]);
        assert.equal((await s.image(imageId))?.isPublic, true);
        // Removals apply before additions: removing and adding one grant moves it to the end.
        const moved = await s.modifyLaunchPermissions(
          imageId,
          [{ userId: "444455556666" }],
          [{ userId: "444455556666" }, { group: "all" }],
        );
        assert.deepEqual(moved, [
          { organizationArn: "arn:aws:organizations::1:organization/o-1" },
          { organizationalUnitArn: "arn:ou" },
          { userId: "444455556666" },
        ]);
        assert.equal((await s.image(imageId))?.isPublic, false);
        await s.modifyLaunchPermissions(imageId, [{ group: "all" }], []);
        await s.resetLaunchPermissions(imageId);
        assert.deepEqual(await s.launchPermissions(imageId), []);
        assert.equal((await s.image(imageId))?.isPublic, false);
        await assert.rejects(
          s.modifyLaunchPermissions("ami-00000000000000000", [{ userId: owner }], []),
          "a grant needs its image",
        );
      });
    });

    test("grants from many connections at once: none is lost, each has its own place in the order", async () => {
      await withStores(async (open) => {
        const stores = [await open(), await open(), await open()];
        const owner = (await stores[0]!.createAccount({})).account.accountId;
        const image = testImage(owner, "busy");
        await stores[0]!.insertImage(image, []);
        const grantees = Array.from({ length: 30 }, (_, n) => `${100000000000 + n}`);
        await Promise.all(
          grantees.map((g, n) =>
            stores[n % 3]!.modifyLaunchPermissions(image.imageId, [{ userId: g }], [], {
              entry: entry("ok"),
              written: false,
            }),
          ),
        );
        await Promise.all([
          stores[1]!.updateImage(image.imageId, { description: "d" }),
          stores[2]!.updateImage(image.imageId, { imdsSupport: "v2.0" }),
        ]);
        const list = await stores[0]!.launchPermissions(image.imageId);
        assert.deepEqual(list.map((p) => ("userId" in p ? p.userId : "")).sort(), grantees);
        const doc = await stores[0]!.image(image.imageId);
        assert.deepEqual([doc?.description, doc?.imdsSupport], ["d", "v2.0"], "neither patch was lost");
        assert.equal((await stores[0]!.auditLog(100)).length, 30, "one entry per acknowledged change");
      });
    });

    test("tags: per account, replaced by key, deleted by key or key and value, listed in key order", async () => {
      await withStore(async (s) => {
        const owner = (await s.createAccount({})).account.accountId;
        const other = (await s.createAccount({})).account.accountId;
        const [x, y] = [testImage(owner, "x"), testImage(owner, "y")];
        for (const i of [x, y]) await s.insertImage(i, []);
        await s.createTags(
          owner,
          [x.imageId, y.imageId],
          [
            { key: "env", value: "dev" },
            { key: "a", value: "1" },
            { key: "B", value: "2" },
            { key: "_c", value: "3" },
          ],
        );
        await s.createTags(
          owner,
          [x.imageId],
          [
            { key: "env", value: "staging" },
            { key: "env", value: "prod" },
          ],
        );
        await s.createTags(other, [x.imageId], [{ key: "mine", value: "yes" }]);
        const tagsOf = async (account: string) =>
          Object.fromEntries(await s.tags(account, [x.imageId, y.imageId]));
        // Keys in code point order (uppercase, then _, then lowercase), whatever the database locale.
        assert.deepEqual(await tagsOf(owner), {
          [x.imageId]: [
            { key: "B", value: "2" },
            { key: "_c", value: "3" },
            { key: "a", value: "1" },
            { key: "env", value: "prod" },
          ],
          [y.imageId]: [
            { key: "B", value: "2" },
            { key: "_c", value: "3" },
            { key: "a", value: "1" },
            { key: "env", value: "dev" },
          ],
        });
        assert.deepEqual(await tagsOf(other), { [x.imageId]: [{ key: "mine", value: "yes" }] });
        assert.equal((await s.tags(owner, [])).size, 0);

        await s.deleteTags(owner, [x.imageId, y.imageId], [{ key: "env", value: "dev" }, { key: "a" }]);
        assert.deepEqual(
          (await s.accountTags(owner)).map(
            (t) => `${t.resourceId === x.imageId ? "x" : "y"}:${t.key}=${t.value}`,
          ),
          [
            ...[x, y]
              .map((i) => i.imageId)
              .sort()
              .flatMap((id) => (id === x.imageId ? ["x:B=2", "x:_c=3", "x:env=prod"] : ["y:B=2", "y:_c=3"])),
          ],
        );
        await s.deleteTags(owner, [x.imageId], []);
        assert.deepEqual(
          (await s.accountTags(owner)).map((t) => t.key),
          ["B", "_c"],
        );
        assert.equal((await s.accountTags(other)).length, 1, "another account's tags stay");
      });
    });

    test("blobs: recorded once, summed per uploader past 4 GiB", async () => {
      await withStore(async (s) => {
        const up = (await s.createAccount({})).account.accountId;
        const big = 6 * 2 ** 30 + 1;
        await s.recordBlob({ sha256: "a".repeat(64), size: big, uploadedBy: up });
        await s.recordBlob({ sha256: "a".repeat(64), size: big, uploadedBy: up });
        await s.recordBlob({ sha256: "b".repeat(64), size: 10, uploadedBy: up });
        assert.deepEqual(await s.blob("a".repeat(64)), { sha256: "a".repeat(64), size: big, uploadedBy: up });
        assert.equal(await s.blob("c".repeat(64)), undefined);
        assert.equal(await s.blobBytes(up), big + 10);
        assert.equal(await s.blobBytes("999999999999"), 0);
      });
    });

    test("blobs: identical bytes from a second account are its blob too, counted once per uploader", async () => {
      await withStore(async (s) => {
        const [one, two, three] = [
          (await s.createAccount({})).account.accountId,
          (await s.createAccount({})).account.accountId,
          (await s.createAccount({})).account.accountId,
        ];
        const shared = "d".repeat(64);
        await s.recordBlob({ sha256: shared, size: 1000, uploadedBy: one });
        await s.recordBlob({ sha256: shared, size: 1000, uploadedBy: two });
        await s.recordBlob({ sha256: shared, size: 1000, uploadedBy: two });
        await s.recordBlob({ sha256: "e".repeat(64), size: 7, uploadedBy: two });
        assert.deepEqual(await s.blob(shared), { sha256: shared, size: 1000, uploadedBy: one });
        assert.deepEqual(await s.uploadedBlob(shared, one), { sha256: shared, size: 1000 });
        assert.deepEqual(await s.uploadedBlob(shared, two), { sha256: shared, size: 1000 });
        assert.equal(await s.uploadedBlob(shared, three), undefined, "an account that never pushed it");
        assert.equal(await s.uploadedBlob("f".repeat(64), one), undefined);
        assert.equal(await s.blobBytes(one), 1000);
        assert.equal(await s.blobBytes(two), 1007);
        assert.equal(await s.blobBytes(three), 0);
        const now = new Date().toISOString();
        assert.equal(await s.accountBytes(two, now), 1007);
        const r = await s.reserveUpload({
          reservationId: "r-two",
          accountId: two,
          bytes: 10,
          extraBytes: 0,
          quota: 1017,
          now,
          expiresAt: new Date(Date.now() + 60_000).toISOString(),
        });
        assert.deepEqual(r, { granted: true, used: 1007 });
        const refused = await s.reserveUpload({
          reservationId: "r-one",
          accountId: one,
          bytes: 1,
          extraBytes: 0,
          quota: 1000,
          now,
          expiresAt: new Date(Date.now() + 60_000).toISOString(),
        });
        assert.deepEqual(refused, { granted: false, used: 1000 });
      });
    });

    test("scans: created pending, updated, the latest per image, the unfinished ones", async () => {
      await withStore(async (s) => {
        const owner = (await s.createAccount({})).account.accountId;
        const image = testImage(owner, "scanned");
        await s.insertImage(image, []);
        const first = await s.createScan(image.imageId);
        assert.equal(first.status, "pending");
        await s.updateScan(first.scanId, {
          status: "failed",
          error: "timeout",
          finishedAt: "2026-01-01T00:00:00Z",
        });
        const second = await s.createScan(image.imageId);
        assert.ok(second.scanId > first.scanId);
        await s.updateScan(second.scanId, { status: "running" });
        assert.deepEqual(await s.latestScan(image.imageId), { ...second, status: "running" });
        assert.deepEqual(
          (await s.unfinishedScans()).map((r) => r.scanId),
          [second.scanId],
        );
        await s.updateScan(second.scanId, {
          status: "done",
          report: "{}",
          finishedAt: "2026-01-01T00:01:00Z",
        });
        assert.deepEqual(await s.latestScan(image.imageId), {
          ...second,
          status: "done",
          report: "{}",
          finishedAt: "2026-01-01T00:01:00Z",
        });
        assert.deepEqual(await s.unfinishedScans(), []);
        assert.equal(await s.latestScan("ami-00000000000000000"), undefined);
        await s.deleteImage(image.imageId);
        assert.equal(await s.latestScan(image.imageId), undefined, "scans go with their image");
      });
    });

    test("scans: facts snapshots kept beside the report; the judgeable scans; a re-judgement replaces the report once", async () => {
      await withStore(async (s) => {
        const owner = (await s.createAccount({})).account.accountId;
        const [a, b, c] = [
          testImage(owner, "judged-a"),
          testImage(owner, "judged-b"),
          testImage(owner, "judged-c"),
        ];
        for (const i of [a, b, c]) await s.insertImage(i, []);
        // Large enough that compression shows; the record without facts stays as it was.
        const facts = JSON.stringify({
          format: "amigate-facts",
          packages: Array.from({ length: 2000 }, (_, n) => `pkg-${n}`),
        });
        const scanA = await s.createScan(a.imageId);
        await s.updateScan(scanA.scanId, {
          status: "done",
          report: '{"a":1}',
          facts,
          finishedAt: "2026-01-01T00:00:00Z",
        });
        assert.equal(await s.scanFacts(scanA.scanId), facts);
        assert.deepEqual(await s.latestScan(a.imageId), {
          ...scanA,
          status: "done",
          report: '{"a":1}',
          finishedAt: "2026-01-01T00:00:00Z",
        });
        // b: its latest scan is still running (judged when done); c: done without facts (an older scan).
        const scanB1 = await s.createScan(b.imageId);
        await s.updateScan(scanB1.scanId, { status: "done", report: '{"b":1}', facts });
        const scanB2 = await s.createScan(b.imageId);
        await s.updateScan(scanB2.scanId, { status: "running" });
        const scanC = await s.createScan(c.imageId);
        await s.updateScan(scanC.scanId, { status: "done", report: '{"c":1}' });
        assert.equal(await s.scanFacts(scanC.scanId), undefined);
        const all = await s.judgeableScans({ afterScanId: 0, limit: 10 });
        assert.deepEqual(all, [{ scanId: scanA.scanId, imageId: a.imageId, report: '{"a":1}', facts }]);
        await s.updateScan(scanB2.scanId, { status: "done", report: '{"b":2}', facts: "{}" });
        const paged = [
          ...(await s.judgeableScans({ afterScanId: 0, limit: 1 })),
          ...(await s.judgeableScans({ afterScanId: scanA.scanId, limit: 1 })),
        ];
        assert.deepEqual(
          paged.map((j) => j.scanId),
          [scanA.scanId, scanB2.scanId],
        );
        assert.deepEqual(await s.judgeableScans({ afterScanId: scanB2.scanId, limit: 5 }), []);
        assert.deepEqual(
          (await s.judgeableScans({ afterScanId: 0, limit: 5, imageIds: [b.imageId, c.imageId] })).map(
            (j) => j.scanId,
          ),
          [scanB2.scanId],
        );
        assert.deepEqual(await s.judgeableScans({ afterScanId: 0, limit: 5, imageIds: [] }), []);
        // A re-judgement writes only over the judgement it read; a batch is written in one go.
        const judge = (
          scanId: number,
          expectedJudgedAt: string | undefined,
          report: string,
          judgedAt: string,
        ) => ({
          scanId,
          expectedJudgedAt,
          report,
          judgedAt,
        });
        assert.deepEqual(
          await s.replaceJudgements([
            judge(scanA.scanId, undefined, '{"a":2}', "2026-02-01T00:00:00.000Z"),
            judge(scanA.scanId, undefined, '{"a":3}', "2026-02-01T00:00:01.000Z"),
            judge(scanB2.scanId, undefined, '{"b":3}', "2026-02-01T00:00:02.000Z"),
          ]),
          [true, false, true],
        );
        assert.deepEqual(await s.replaceJudgements([]), []);
        const judged = await s.judgeableScans({ afterScanId: 0, limit: 1 });
        assert.deepEqual(judged, [
          {
            scanId: scanA.scanId,
            imageId: a.imageId,
            report: '{"a":2}',
            facts,
            judgedAt: "2026-02-01T00:00:00.000Z",
          },
        ]);
        assert.equal((await s.latestScan(a.imageId))?.judgedAt, "2026-02-01T00:00:00.000Z");
        assert.equal((await s.latestScan(b.imageId))?.report, '{"b":3}');
        assert.deepEqual(
          await s.replaceJudgements([
            judge(scanA.scanId, "2026-02-01T00:00:00.000Z", '{"a":4}', "2026-03-01T00:00:00.000Z"),
          ]),
          [true],
        );
        assert.equal((await s.latestScan(a.imageId))?.report, '{"a":4}');
      });
    });

    test("settings: block public access is off until set", async () => {
      await withStore(async (s) => {
        const a = (await s.createAccount({})).account.accountId;
        assert.equal(await s.blockPublicAccess(a), false);
        await s.setBlockPublicAccess(a, true);
        assert.equal(await s.blockPublicAccess(a), true);
        await s.setBlockPublicAccess(a, false);
        assert.equal(await s.blockPublicAccess(a), false);
      });
    });

    test("audit: a change whose entry cannot be written is not committed; a written one is there once", async () => {
      await withStore(async (store) => {
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

    test("audit: entries without a change are committed together, newest first in the log", async () => {
      await withStore(async (s) => {
        await Promise.all(["a", "b", "c"].map((o) => s.audit(entry(o, "DescribeImages"))));
        await s.audit(entry("d", "DescribeImages"));
        assert.deepEqual(
          (await s.auditLog(3)).map((e) => e.outcome),
          ["d", "c", "b"],
        );
        assert.deepEqual((await s.auditLog(1))[0], entry("d", "DescribeImages"));
      });
    });

    test("writes through one store are seen by another from the next request on", async () => {
      await withStores(async (open) => {
        const a = await open();
        const b = await open();
        const owner = (await a.createAccount({})).account.accountId;
        const other = (await a.createAccount({})).account.accountId;
        const img = testImage(owner, "img-1");
        await a.insertImage(img, []);
        assert.equal((await a.image(img.imageId))?.description, undefined);

        // This store's writes: description, public flag, a grant seen by exec-self, deletion.
        await a.updateImage(img.imageId, { description: "one" });
        assert.equal((await a.image(img.imageId))?.description, "one");
        await a.modifyLaunchPermissions(img.imageId, [{ group: "all" }, { userId: other }], []);
        assert.equal((await a.image(img.imageId))?.isPublic, true);
        assert.deepEqual(await a.launchPermissions(img.imageId), [{ group: "all" }, { userId: other }]);
        await a.modifyLaunchPermissions(img.imageId, [], [{ userId: other }]);
        assert.deepEqual(await a.launchPermissions(img.imageId), [{ group: "all" }]);
        await a.modifyLaunchPermissions(img.imageId, [{ userId: other }], []);
        assert.deepEqual(
          (await a.queryImages(execSelf(other))).map((i) => [i.imageId, i.isPublic]),
          [[img.imageId, true]],
        );
        await a.resetLaunchPermissions(img.imageId);
        assert.equal((await a.image(img.imageId))?.isPublic, false);
        assert.deepEqual(await a.launchPermissions(img.imageId), []);
        assert.deepEqual(await a.queryImages(execSelf(other)), []);

        // Another store's commits, seen by a request that arrives after them.
        assert.equal((await a.queryImages({ callerId: owner, ownerIds: [owner] }))[0]?.description, "one");
        await b.updateImage(img.imageId, { description: "two" });
        await nextTurn();
        assert.equal((await a.queryImages({ callerId: owner, ownerIds: [owner] }))[0]?.description, "two");
        await b.modifyLaunchPermissions(img.imageId, [{ group: "all" }], []);
        await nextTurn();
        assert.equal((await a.image(img.imageId))?.isPublic, true);
        assert.deepEqual(await a.launchPermissions(img.imageId), [{ group: "all" }]);
        await b.modifyLaunchPermissions(img.imageId, [{ userId: other }], []);
        await nextTurn();
        assert.deepEqual(await a.launchPermissions(img.imageId), [{ group: "all" }, { userId: other }]);
        await b.deleteImage(img.imageId);
        await nextTurn();
        assert.equal(await a.image(img.imageId), undefined);
        assert.deepEqual(await a.queryImages({ callerId: owner, ownerIds: [owner] }), []);
      });
    });

    test("exec-self leaves out the caller's own images even if a grant names the owner", async () => {
      await withStore(async (s) => {
        const owner = (await s.createAccount({})).account.accountId;
        const other = (await s.createAccount({})).account.accountId;
        const mine = testImage(owner, "img-1");
        const theirs = testImage(other, "img-2");
        await s.insertImage(mine, []);
        await s.insertImage(theirs, []);
        // The API never stores the owner in its own list (PRM-6); the store still must not show it.
        await s.modifyLaunchPermissions(mine.imageId, [{ userId: owner }], []);
        await s.modifyLaunchPermissions(theirs.imageId, [{ userId: owner }], []);
        const q = execSelf(owner);
        assert.deepEqual(ids(await s.queryImages(q)), [theirs.imageId]);
        assert.deepEqual(await s.queryImages({ ...q, afterImageId: theirs.imageId }), []);
        assert.equal((await s.queryImages({ ...q, limit: 1 })).length, 1);
      });
    });

    test("an account's grant list (exec-self) follows every change to launch permissions, here and elsewhere", async () => {
      await withStores(async (open) => {
        const a = await open();
        const b = await open();
        const owner = (await a.createAccount({})).account.accountId;
        const me = (await a.createAccount({})).account.accountId;
        const imgs = [1, 2, 3, 4].map((n) => testImage(owner, `img-${n}`));
        for (const i of imgs) await a.insertImage(i, []);
        const sorted = imgs.map((i) => i.imageId).sort();
        const q = execSelf(me);
        const shared = async (extra: { afterImageId?: string; limit?: number } = {}) =>
          ids(await a.queryImages({ ...q, ...extra }));

        assert.deepEqual(await shared(), []);
        for (const id of sorted) await a.modifyLaunchPermissions(id, [{ userId: me }], []);
        assert.deepEqual(await shared(), sorted, "grants made here");
        assert.deepEqual(await shared({ afterImageId: sorted[1]! }), sorted.slice(2), "paged from the list");
        assert.deepEqual(await shared({ afterImageId: sorted[0]!, limit: 2 }), sorted.slice(1, 3));
        assert.deepEqual(await shared({ afterImageId: "ami-0" }), sorted);
        await a.modifyLaunchPermissions(sorted[0]!, [], [{ userId: me }]);
        assert.deepEqual(await shared(), sorted.slice(1), "a removal here");
        await a.resetLaunchPermissions(sorted[1]!);
        assert.deepEqual(await shared(), sorted.slice(2), "a reset here");
        await a.deleteImage(sorted[2]!);
        assert.deepEqual(await shared(), sorted.slice(3), "a deregistration here");
        await a.updateImage(sorted[3]!, { description: "changed" });
        assert.equal((await a.queryImages(q))[0]?.description, "changed", "a changed document here");

        await b.modifyLaunchPermissions(sorted[0]!, [{ userId: me }], []);
        await nextTurn();
        assert.deepEqual(await shared(), [sorted[0]!, sorted[3]!], "a grant elsewhere");
        await b.updateImage(sorted[0]!, { description: "elsewhere" });
        await nextTurn();
        assert.equal((await a.queryImages(q))[0]?.description, "elsewhere", "a changed document elsewhere");
        await b.resetLaunchPermissions(sorted[3]!);
        await nextTurn();
        assert.deepEqual(await shared(), [sorted[0]!], "a reset elsewhere");
      });
    });

    test("listings: publish only while public, unpublished by a private image, versions, search", async () => {
      await withStores(async (open) => {
        const store = await open();
        const owner = (await store.createAccount({ alias: "acme" })).account.accountId;
        const v1 = testImage(owner, "acme-web-1.0", { creationDate: "2026-01-01T00:00:00.000Z" });
        const v2 = testImage(owner, "acme-web-1.1", { creationDate: "2026-02-01T00:00:00.000Z" });
        for (const i of [v1, v2]) await store.insertImage(i, []);
        await store.putListing(owner, listingOf({ imageId: v1.imageId, name: v1.name }), owner);
        const put = await store.putListing(owner, listingOf({ imageId: v2.imageId, name: v2.name }), owner);
        assert.equal(put.listing.name, "acme-web-1.1");
        assert.equal(put.publishedAt, undefined);

        assert.equal(await store.setListingPublished(v2.imageId, true), false, "the image is private");
        assert.equal((await store.listing(v2.imageId))?.publishedAt, undefined);
        await store.modifyLaunchPermissions(v2.imageId, [{ group: "all" }], []);
        assert.equal(await store.setListingPublished(v2.imageId, true), true);
        assert.ok((await store.listing(v2.imageId))?.publishedAt);
        assert.equal(await store.setListingPublished(v1.imageId, true), false, "private, too");
        assert.deepEqual(
          (await store.publishedListings({ name: "WEB-1", limit: 10 })).map((l) => l.imageId),
          [v2.imageId],
        );
        assert.deepEqual(
          await store.publishedListings({ name: "%", limit: 10 }),
          [],
          "LIKE wildcards are literal",
        );
        assert.deepEqual(
          (await store.publishedListings({ os: "debian gnu/linux 12", publisher: "acme", limit: 10 })).length,
          1,
        );
        assert.deepEqual(await store.publishedListings({ ownerId: "999999999999", limit: 10 }), []);
        assert.deepEqual(await store.publishedListings({ afterImageId: v2.imageId, limit: 10 }), []);
        // Editing a published listing keeps it published.
        await store.putListing(
          owner,
          listingOf({ imageId: v2.imageId, name: v2.name, description: "New." }),
          owner,
        );
        assert.ok((await store.listing(v2.imageId))?.publishedAt);

        // Another connection (another process) making the image private unpublishes the listing.
        await (await open()).modifyLaunchPermissions(v2.imageId, [], [{ group: "all" }]);
        assert.equal((await store.listing(v2.imageId))?.publishedAt, undefined);
        assert.deepEqual(await store.publishedListings({ limit: 10 }), []);
        // Public again: the listing stays unpublished until published again.
        await store.modifyLaunchPermissions(v2.imageId, [{ group: "all" }], []);
        assert.equal((await store.listing(v2.imageId))?.publishedAt, undefined);
        await store.setListingPublished(v2.imageId, true);
        await store.resetLaunchPermissions(v2.imageId);
        assert.equal((await store.listing(v2.imageId))?.publishedAt, undefined, "a reset unpublishes too");

        assert.equal(
          (await store.previousListing(owner, "acme-web", v2.imageId, v2.creationDate))?.imageId,
          v1.imageId,
        );
        assert.equal(await store.previousListing(owner, "acme-web", v1.imageId, v1.creationDate), undefined);

        await store.deleteListing(v2.imageId);
        assert.equal(await store.listing(v2.imageId), undefined);
        await store.deleteImage(v1.imageId);
        assert.equal(await store.listing(v1.imageId), undefined, "deleted with its image");
      });
    });

    test("attestations: per image, latest answer kept; publisher URLs per account", async () => {
      await withStore(async (store) => {
        const owner = (await store.createAccount({})).account.accountId;
        const image = testImage(owner, "x-1");
        await store.insertImage(image, []);
        const at = "2026-03-01T00:00:00.000Z";
        await store.putAttestations(image.imageId, [
          { id: "attest-no-seller-access", answer: "no", comment: "VPN", by: owner, at },
          { id: "attest-no-payment-information", answer: "yes", by: owner, at },
        ]);
        await store.putAttestations(image.imageId, [
          { id: "attest-no-seller-access", answer: "yes", by: owner, at },
        ]);
        assert.deepEqual(Object.fromEntries(await store.attestations(image.imageId)), {
          "attest-no-payment-information": { answer: "yes", by: owner, at },
          "attest-no-seller-access": { answer: "yes", by: owner, at },
        });
        assert.equal(await store.publisher(owner), undefined);
        await store.setPublisher(owner, "https://acme.example.com");
        await store.setPublisher(owner, "https://www.acme.example.com");
        assert.deepEqual(await store.publisher(owner), { url: "https://www.acme.example.com" });
        await store.deleteImage(image.imageId);
        assert.equal((await store.attestations(image.imageId)).size, 0);
      });
    });

    test("sessions: found by token hash from another connection, touched, deleted", async () => {
      await withStores(async (open) => {
        const a = await open();
        const { account, accessKeyId } = await a.createAccount({});
        await a.createSession(session("h1", account.accountId, accessKeyId));
        const b = await open();
        assert.deepEqual(await b.session("h1"), session("h1", account.accountId, accessKeyId));
        assert.equal(await b.session("h2"), undefined);
        await b.touchSession("h1", "2026-11-23T10:30:00.000Z");
        assert.equal((await a.session("h1"))?.lastSeenAt, "2026-11-23T10:30:00.000Z");
        await a.deleteSession("h1");
        assert.equal(await b.session("h1"), undefined);
      });
    });

    test("sessions: expired ones go, past their end or idle since before the cut; others stay", async () => {
      await withStore(async (s) => {
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
        assert.equal(
          await s.deleteExpiredSessions("2026-11-23T12:00:00.000Z", "2026-11-23T11:00:00.000Z"),
          2,
        );
        assert.deepEqual(
          [await s.session("ended"), await s.session("idle"), (await s.session("live"))?.tokenHash],
          [undefined, undefined, "live"],
        );
      });
    });

    test("sessions: one for an unknown access key is refused by the schema", async () => {
      await withStore(async (s) => {
        const { account } = await s.createAccount({});
        await assert.rejects(
          s.createSession(session("h", account.accountId, "AKIANOSUCHKEY0000000")),
          /foreign key/i,
        );
        assert.equal(await s.session("h"), undefined);
      });
    });

    test("images with tags: the same images as queryImages, each with only the given account's tags, in key order", async () => {
      await withStore(async (s) => {
        const owner = (await s.createAccount({})).account.accountId;
        const viewer = (await s.createAccount({})).account.accountId;
        const [a, b, c] = ["a", "b", "c"].map((n) => testImage(owner, n));
        for (const i of [a!, b!, c!]) await s.insertImage(i, []);
        await s.modifyLaunchPermissions(a!.imageId, [{ userId: viewer }], []);
        await s.modifyLaunchPermissions(b!.imageId, [{ group: "all" }], []);
        await s.createTags(owner, [a!.imageId, b!.imageId], [{ key: "team", value: "web" }]);
        await s.createTags(
          viewer,
          [a!.imageId],
          [
            { key: "z", value: "last" },
            { key: "mine", value: "yes" },
          ],
        );
        for (const q of [
          { callerId: viewer },
          { callerId: viewer, limit: 1 },
          { callerId: owner, ownerIds: [owner], limit: 2 },
          { callerId: viewer, executableBy: { all: false, self: true, accountIds: [] } },
        ]) {
          const { images, tags } = await s.queryImagesWithTags(q, q.callerId);
          assert.deepEqual(ids(images), ids(await s.queryImages(q)));
          assert.deepEqual(tags, await s.tags(q.callerId, ids(images)));
        }
        const { tags } = await s.queryImagesWithTags({ callerId: viewer }, viewer);
        assert.deepEqual(tags.get(a!.imageId), [
          { key: "mine", value: "yes" },
          { key: "z", value: "last" },
        ]);
        assert.equal(tags.has(b!.imageId), false, "the owner's tags are the owner's");
        const own = await s.queryImagesWithTags({ callerId: owner, ownerIds: [owner] }, owner);
        assert.equal(own.images.length, 3);
        assert.deepEqual(own.tags.get(b!.imageId), [{ key: "team", value: "web" }]);
      });
    });

    test("listings page exactly: every page size gives the whole listing, each image once, in id order", async () => {
      await withStore(async (s) => {
        // A seeded mix of everything that makes an image visible to the caller, more than once
        // for some (own and public; granted by id and by organization), and the lifecycle's cuts.
        let seed = 7;
        const rand = (n: number) => {
          seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
          return (seed >>> 16) % n;
        };
        const org = { organizationId: "o-abcdef1234", ouPath: ["ou-ab12-11111111"] };
        const orgArn = "arn:aws:organizations::111122223333:organization/o-abcdef1234";
        const ouArn = "arn:aws:organizations::111122223333:ou/o-abcdef1234/ou-ab12-11111111";
        const caller = (await s.createAccount({ organization: org })).account.accountId;
        const others = [
          (await s.createAccount({})).account.accountId,
          (await s.createAccount({})).account.accountId,
        ];
        const now = "2026-06-01T00:00:00.000Z";
        const expected = { all: [] as string[], execSelf: [] as string[] };
        for (let n = 0; n < 40; n++) {
          const owner = rand(4) === 0 ? caller : others[rand(2)]!;
          const deprecated = rand(5) === 0;
          const image = testImage(
            owner,
            `img-${n}`,
            deprecated ? { deprecationTime: "2026-01-01T00:00:00.000Z" } : {},
          );
          await s.insertImage(image, []);
          const grants = [
            ...(rand(4) === 0 ? [{ group: "all" as const }] : []),
            ...(rand(3) === 0 ? [{ userId: caller }] : []),
            ...(rand(4) === 0 ? [{ organizationArn: orgArn }] : []),
            ...(rand(5) === 0 ? [{ organizationalUnitArn: ouArn }] : []),
            ...(rand(3) === 0 ? [{ userId: others[0]! }] : []),
          ];
          if (grants.length > 0) await s.modifyLaunchPermissions(image.imageId, grants, []);
          const disabled = rand(8) === 0;
          if (disabled) await s.disableImage(image.imageId);
          if (disabled || (deprecated && owner !== caller)) continue;
          const sharedWithCaller = grants.some(
            (g) => !("group" in g) && !("userId" in g && g.userId !== caller),
          );
          if (owner === caller || grants.some((g) => "group" in g) || sharedWithCaller)
            expected.all.push(image.imageId);
          if (owner !== caller && sharedWithCaller) expected.execSelf.push(image.imageId);
        }
        const base: ImageQuery = {
          callerId: caller,
          organization: org,
          excludeDisabled: true,
          hideDeprecatedAsOf: now,
        };
        const queries: Array<[string, ImageQuery]> = [
          ["all visible", base],
          ["exec-self", { ...base, executableBy: { all: false, self: true, accountIds: [] } }],
        ];
        for (const [name, q] of queries) {
          const want = [...(name === "all visible" ? expected.all : expected.execSelf)].sort();
          assert.ok(want.length >= 5, `the seed gives a real listing (${name}: ${want.length})`);
          assert.deepEqual(ids(await s.queryImages(q)), want, `${name}: the whole listing`);
          for (const size of [1, 2, 3, 7]) {
            const pages: string[] = [];
            let after: string | undefined;
            for (let turn = 0; turn < 60; turn++) {
              const page = ids(
                await s.queryImages({ ...q, limit: size, ...(after ? { afterImageId: after } : {}) }),
              );
              assert.ok(page.length <= size);
              pages.push(...page);
              if (page.length < size) break;
              after = page.at(-1);
            }
            assert.deepEqual(pages, want, `${name} in pages of ${size}`);
          }
        }
      });
    });

    test("organizations: membership kept, changed and cleared; another connection sees it; bad ids refused", async () => {
      await withStores(async (open) => {
        const s = await open();
        const other = await open();
        const org = { organizationId: "o-abcdef1234", ouPath: ["ou-ab12-11111111", "ou-ab12-22222222"] };
        const member = await s.createAccount({ organization: org });
        assert.deepEqual(member.account.organization, org);
        assert.deepEqual((await other.account(member.account.accountId))?.organization, org);
        const loner = (await s.createAccount({})).account.accountId;
        assert.equal((await s.account(loner))?.organization, undefined);
        const root = { organizationId: "o-abcdef1234", ouPath: [] };
        await s.setOrganization(loner, root);
        assert.deepEqual((await other.account(loner))?.organization, root);
        await s.setOrganization(member.account.accountId, undefined);
        assert.equal((await other.account(member.account.accountId))?.organization, undefined);
        assert.deepEqual((await other.accounts()).find((a) => a.accountId === loner)?.organization, root);
        await assert.rejects(s.setOrganization(loner, { organizationId: "o-short", ouPath: [] }), {
          name: "MembershipError",
        });
        await assert.rejects(
          s.createAccount({ organization: { organizationId: "o-abcdef1234", ouPath: ["ou-x"] } }),
          { name: "MembershipError" },
        );
        assert.deepEqual((await s.account(loner))?.organization, root);
      });
    });

    test("describe: organization and OU grants reach the member accounts (OUs below included), no one else", async () => {
      await withStores(async (open) => {
        const s = await open();
        const owner = (await s.createAccount({})).account.accountId;
        const parent = "ou-ab12-parent00";
        const child = "ou-ab12-child000";
        const orgArn = "arn:aws:organizations::111122223333:organization/o-abcdef1234";
        const ouArn = (ou: string) => `arn:aws:organizations::111122223333:ou/o-abcdef1234/${ou}`;
        const inChild = (
          await s.createAccount({ organization: { organizationId: "o-abcdef1234", ouPath: [parent, child] } })
        ).account;
        const atRoot = (
          await s.createAccount({ organization: { organizationId: "o-abcdef1234", ouPath: [] } })
        ).account;
        const elsewhere = (
          await s.createAccount({ organization: { organizationId: "o-zzzzzz9999", ouPath: [parent] } })
        ).account;
        const byOrg = testImage(owner, "by-org");
        const byParentOu = testImage(owner, "by-parent-ou");
        const byChildOu = testImage(owner, "by-child-ou");
        const byOtherOu = testImage(owner, "by-other-ou");
        for (const i of [byOrg, byParentOu, byChildOu, byOtherOu]) await s.insertImage(i, []);
        await s.modifyLaunchPermissions(byOrg.imageId, [{ organizationArn: orgArn }], []);
        await s.modifyLaunchPermissions(byParentOu.imageId, [{ organizationalUnitArn: ouArn(parent) }], []);
        // Granted twice (by OU and by id): listed once.
        await s.modifyLaunchPermissions(
          byChildOu.imageId,
          [{ organizationalUnitArn: ouArn(child) }, { userId: inChild.accountId }],
          [],
        );
        await s.modifyLaunchPermissions(
          byOtherOu.imageId,
          [{ organizationalUnitArn: ouArn("ou-ab12-other000") }],
          [],
        );
        const visible = async (a: typeof inChild, exec: boolean) =>
          ids(
            await (await open()).queryImages({
              callerId: a.accountId,
              ...(a.organization ? { organization: a.organization } : {}),
              ...(exec ? { executableBy: { all: false, self: true, accountIds: [] } } : {}),
            }),
          ).sort();
        const expectChild = [byOrg, byParentOu, byChildOu].map((i) => i.imageId).sort();
        for (const exec of [false, true]) {
          assert.deepEqual(await visible(inChild, exec), expectChild, `child OU member, exec ${exec}`);
          assert.deepEqual(await visible(atRoot, exec), [byOrg.imageId], `root member, exec ${exec}`);
          assert.deepEqual(await visible(elsewhere, exec), [], `other organization, exec ${exec}`);
        }
        // Through the same store twice: the cached grant list is the member's, not the account's alone.
        assert.deepEqual(ids(await s.queryImages({ ...execSelf(inChild.accountId) })), [byChildOu.imageId]);
        assert.deepEqual(
          ids(
            await s.queryImages({ ...execSelf(inChild.accountId), organization: inChild.organization! }),
          ).sort(),
          expectChild,
        );
        // A grant removed reaches no one any more.
        await s.modifyLaunchPermissions(byOrg.imageId, [], [{ organizationArn: orgArn }]);
        assert.deepEqual(await visible(atRoot, true), []);
      });
    });

    test("latest scans: each image's latest record in one read; never-scanned images absent", async () => {
      await withStore(async (s) => {
        const owner = (await s.createAccount({})).account.accountId;
        const images = ["done", "rescanned", "failed", "never"].map((n) => testImage(owner, n));
        for (const i of images) await s.insertImage(i, []);
        const [done, rescanned, failed, never] = images.map((i) => i.imageId) as [
          string,
          string,
          string,
          string,
        ];
        const doneScan = await s.createScan(done);
        await s.updateScan(doneScan.scanId, {
          status: "done",
          report: '{"passed":true}',
          finishedAt: "2026-01-01T00:00:00.000Z",
        });
        await s.updateScan((await s.createScan(rescanned)).scanId, { status: "done", report: "{}" });
        const again = await s.createScan(rescanned);
        await s.updateScan((await s.createScan(failed)).scanId, { status: "failed", error: "unreadable" });
        const latest = await s.latestScans([done, rescanned, failed, never]);
        assert.deepEqual([...latest.keys()].sort(), [done, rescanned, failed].sort());
        for (const id of [done, rescanned, failed]) assert.deepEqual(latest.get(id), await s.latestScan(id));
        assert.equal(latest.get(rescanned)?.scanId, again.scanId);
        assert.equal(latest.get(rescanned)?.status, "pending");
        assert.equal(latest.get(done)?.report, '{"passed":true}');
        assert.deepEqual(await s.latestScans([]), new Map());
      });
    });

    test("settings: Allowed AMIs disabled with no criteria until set; each part changed alone", async () => {
      await withStores(async (open) => {
        const s = await open();
        const a = (await s.createAccount({})).account.accountId;
        const b = (await s.createAccount({})).account.accountId;
        const off = { state: "disabled", criteria: [], requirePassingVerdict: false };
        assert.deepEqual(await s.allowedImagesSettings(a), off);
        const criteria = [
          { imageProviders: ["amazon", b] },
          { imageNames: ["debian-*"], maximumDaysSinceCreated: 300, maximumDaysSinceDeprecated: 0 },
        ];
        await s.updateAllowedImagesSettings(a, { criteria });
        await s.updateAllowedImagesSettings(a, { state: "audit-mode" });
        await s.updateAllowedImagesSettings(a, { requirePassingVerdict: true });
        const other = await open();
        assert.deepEqual(await other.allowedImagesSettings(a), {
          state: "audit-mode",
          criteria,
          requirePassingVerdict: true,
        });
        await other.updateAllowedImagesSettings(a, { state: "enabled", criteria: [] });
        assert.deepEqual(await s.allowedImagesSettings(a), {
          state: "enabled",
          criteria: [],
          requirePassingVerdict: true,
        });
        assert.deepEqual(await s.allowedImagesSettings(b), off);
        const record: AuditRecord = { entry: entry("ok", "EnableAllowedImagesSettings"), written: false };
        await s.updateAllowedImagesSettings(b, { state: "enabled" }, record);
        assert.equal(record.written, true);
        assert.equal((await other.auditLog(1))[0]?.action, "EnableAllowedImagesSettings");
      });
    });
  });
}
