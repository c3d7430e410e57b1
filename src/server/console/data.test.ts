/**
 * The console's parsed reports and summaries are kept per scan and judgement: a re-judged report
 * (store.replaceJudgements, on any node) is read again, not served from the cache.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { testImage, withStores } from "../../../test/support/store.js";
import { ConsoleData } from "./data.js";

const report = (passed: boolean) =>
  JSON.stringify({
    passed,
    failOn: "high",
    findings: passed ? [] : [{ rule: "os-end-of-life", severity: "high" }],
    summary: { critical: 0, high: passed ? 0 : 1, medium: 0, low: 0, info: 0 },
    roots: [{ os: { name: "Debian GNU/Linux" } }],
  });

test("a re-judged report is read again: summaries and reports follow the scan's judgement", async () => {
  await withStores(async (open) => {
    const store = open();
    const owner = (await store.createAccount({})).account.accountId;
    const image = testImage(owner, "judged");
    await store.insertImage(image, []);
    const scan = await store.createScan(image.imageId);
    await store.updateScan(scan.scanId, {
      status: "done",
      report: report(true),
      finishedAt: new Date().toISOString(),
    });
    const data = new ConsoleData(store, "us-east-1");
    assert.equal((await data.summary(image.imageId)).passed, true);
    assert.equal((await data.report(image.imageId)).report?.passed, true);
    assert.deepEqual(
      await store.replaceJudgements([
        {
          scanId: scan.scanId,
          expectedJudgedAt: undefined,
          report: report(false),
          judgedAt: "2026-03-02T00:00:00.000Z",
        },
      ]),
      [true],
    );
    const after = await data.summary(image.imageId);
    assert.equal(after.passed, false);
    assert.equal(after.failing, 1);
    assert.equal((await data.report(image.imageId)).report?.passed, false);
  });
});

test("organization and OU shares: the member sees the image, in its shared list and the search; others do not", async () => {
  await withStores(async (open) => {
    const store = open();
    const owner = (await store.createAccount({})).account.accountId;
    const ou = "ou-cd01-console0";
    const member = (
      await store.createAccount({ organization: { organizationId: "o-console001", ouPath: [ou] } })
    ).account.accountId;
    const outsider = (await store.createAccount({})).account.accountId;
    const image = testImage(owner, "org-shared");
    await store.insertImage(image, []);
    await store.modifyLaunchPermissions(
      image.imageId,
      [{ organizationalUnitArn: `arn:aws:organizations::111122223333:ou/o-console001/${ou}` }],
      [],
    );
    const data = new ConsoleData(store, "us-east-1");
    const filters = { name: "", os: "", publisher: "", owner: "", executableByMe: false, public: false };
    assert.equal((await data.image(member, image.imageId))?.imageId, image.imageId);
    assert.deepEqual(
      (await data.sharedWithMe(member)).map((i) => i.imageId),
      [image.imageId],
    );
    assert.deepEqual(
      (await data.catalogue(member, filters)).images.map((i) => i.imageId),
      [image.imageId],
    );
    assert.equal(await data.image(outsider, image.imageId), undefined);
    assert.deepEqual(await data.sharedWithMe(outsider), []);
    assert.deepEqual((await data.catalogue(outsider, filters)).images, []);
  });
});
