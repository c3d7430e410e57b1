/**
 * Allowed AMIs (#18): the four actions, ImageAllowed in DescribeImages in audit mode, images the
 * criteria leave out hidden and unusable while enabled, and amigate's own criterion (a current
 * passing verdict under the server's gate) set through PUT /amigate/allowed-images.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  bodyText,
  items,
  member,
  parseEc2,
  type TestCatalogue,
  testCatalogue,
} from "../../../test/support/catalogue.js";
import { testImage } from "../../../test/support/store.js";
import { signHeaders } from "../sign.js";
import type { ImageCriterion, NewAccount } from "../store/types.js";
import { matchesCriterion, wildcardMatch } from "./allowed-images.js";

let c: TestCatalogue;
let consumer: NewAccount;
let amazon: NewAccount;
let vendor: NewAccount;
let other: NewAccount;
const ids = {} as Record<"amazonImage" | "vendorImage" | "otherImage" | "ownImage" | "ownCopy", string>;

/** A clean report the gate passes, and one with a critical finding it does not. */
const checked = { vulnerabilities: { state: "checked", reasons: [] } };
const PASSING = JSON.stringify({ passed: true, findings: [], checks: checked });
const FAILING = JSON.stringify({
  passed: false,
  findings: [{ rule: "ssh-root-login", severity: "critical" }],
  checks: checked,
});

async function register(who: NewAccount, name: string, isPublic = true): Promise<string> {
  const r = await c.call(who, "RegisterImage", { Name: name, RootDeviceName: "/dev/xvda" });
  const id = member(r, "RegisterImage", "imageId") as string;
  if (isPublic)
    await c.call(who, "ModifyImageAttribute", { ImageId: id, "LaunchPermission.Add.1.Group": "all" });
  return id;
}

/** DescribeImages as the consumer: id → imageAllowed ("true", "false", or undefined when absent). */
async function listed(params: Record<string, string> = {}): Promise<Map<string, string | undefined>> {
  const r = await c.call(consumer, "DescribeImages", params);
  assert.equal(r.status, 200, r.raw);
  return new Map(
    items(r, "DescribeImages", "imagesSet").map((i) => [
      i.imageId as string,
      i.imageAllowed as string | undefined,
    ]),
  );
}

async function settingsRoute(method: "GET" | "PUT", body?: unknown) {
  const url = new URL("http://127.0.0.1:8754/amigate/allowed-images");
  const text = body === undefined ? "" : JSON.stringify(body);
  const headers = await signHeaders(consumer, { method, url, headers: {}, body: text });
  const res = await c.app.handle({
    method,
    url: url.pathname,
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
    body: Buffer.from(text),
    remoteAddress: "127.0.0.1",
  });
  const raw = await bodyText(res);
  return res.status === 200
    ? { status: 200, json: JSON.parse(raw) }
    : { status: res.status, error: parseEc2(raw, res.status) };
}

const replace = (criteria: Record<string, string>) =>
  c.call(consumer, "ReplaceImageCriteriaInAllowedImagesSettings", criteria);

before(async () => {
  c = await testCatalogue({ publicImageQuota: 0 });
  consumer = await c.account("aa-consumer");
  amazon = await c.store.createAccount({ alias: "amazon" });
  vendor = await c.account("aa-vendor");
  other = await c.account("aa-other");
  ids.amazonImage = await register(amazon, "al2023-ami-2026");
  ids.vendorImage = await register(vendor, "vendor-appliance-1.0");
  ids.otherImage = await register(other, "random-image");
  ids.ownImage = await register(consumer, "my-own", false);
});
after(() => c.dispose());

describe("the settings actions", () => {
  test("Get answers disabled with no criteria until set; Replace, Enable and Disable change it", async () => {
    const get = async () => {
      const r = await c.call(consumer, "GetAllowedImagesSettings");
      assert.equal(r.status, 200, r.raw);
      return {
        state: member(r, "GetAllowedImagesSettings", "state"),
        managedBy: member(r, "GetAllowedImagesSettings", "managedBy"),
        criteria: items(r, "GetAllowedImagesSettings", "imageCriterionSet"),
      };
    };
    assert.deepEqual(await get(), { state: "disabled", managedBy: "account", criteria: [] });
    const r = await replace({
      "ImageCriterion.1.ImageProvider.1": "amazon",
      "ImageCriterion.1.ImageProvider.2": vendor.account.accountId,
      "ImageCriterion.2.ImageName.1": "debian-*",
      "ImageCriterion.2.CreationDateCondition.MaximumDaysSinceCreated": "300",
      "ImageCriterion.2.DeprecationTimeCondition.MaximumDaysSinceDeprecated": "0",
    });
    assert.equal(member(r, "ReplaceImageCriteriaInAllowedImagesSettings", "return"), "true");
    const enabled = await c.call(consumer, "EnableAllowedImagesSettings", {
      AllowedImagesSettingsState: "audit-mode",
    });
    assert.equal(member(enabled, "EnableAllowedImagesSettings", "allowedImagesSettingsState"), "audit-mode");
    const now = await get();
    assert.equal(now.state, "audit-mode");
    assert.deepEqual(now.criteria, [
      { imageProviderSet: { item: ["amazon", vendor.account.accountId] } },
      {
        imageNameSet: { item: ["debian-*"] },
        deprecationTimeCondition: { maximumDaysSinceDeprecated: "0" },
        creationDateCondition: { maximumDaysSinceCreated: "300" },
      },
    ]);
    const disabled = await c.call(consumer, "DisableAllowedImagesSettings");
    assert.equal(member(disabled, "DisableAllowedImagesSettings", "allowedImagesSettingsState"), "disabled");
    assert.equal((await get()).state, "disabled");
    assert.equal((await get()).criteria.length, 2, "disabling keeps the criteria");
    // Another account's settings are its own.
    const theirs = await c.call(vendor, "GetAllowedImagesSettings");
    assert.deepEqual(items(theirs, "GetAllowedImagesSettings", "imageCriterionSet"), []);
  });

  test("bad values are InvalidParameterValue (a missing state MissingParameter) and change nothing", async () => {
    const before = (await c.call(consumer, "GetAllowedImagesSettings")).raw.replace(
      /<requestId>.*<\/requestId>/,
      "",
    );
    const cases: Array<[string, Record<string, string>, string]> = [
      ["EnableAllowedImagesSettings", {}, "MissingParameter"],
      ["EnableAllowedImagesSettings", { AllowedImagesSettingsState: "disabled" }, "InvalidParameterValue"],
      [
        "ReplaceImageCriteriaInAllowedImagesSettings",
        { "ImageCriterion.1.ImageProvider.1": "acme" },
        "InvalidParameterValue",
      ],
      [
        "ReplaceImageCriteriaInAllowedImagesSettings",
        { "ImageCriterion.1.ImageProvider.1": "none", "ImageCriterion.1.ImageProvider.2": "amazon" },
        "InvalidParameterValue",
      ],
      [
        "ReplaceImageCriteriaInAllowedImagesSettings",
        { "ImageCriterion.1.ImageName.1": "a?" },
        "InvalidParameterValue",
      ],
      [
        "ReplaceImageCriteriaInAllowedImagesSettings",
        { "ImageCriterion.1.ImageName.1": "bad<name>" },
        "InvalidParameterValue",
      ],
      [
        "ReplaceImageCriteriaInAllowedImagesSettings",
        { "ImageCriterion.1.CreationDateCondition.MaximumDaysSinceCreated": "-1" },
        "InvalidParameterValue",
      ],
      [
        "ReplaceImageCriteriaInAllowedImagesSettings",
        { "ImageCriterion.1.MarketplaceProductCode.1": "a-b" },
        "InvalidParameterValue",
      ],
      [
        "ReplaceImageCriteriaInAllowedImagesSettings",
        Object.fromEntries(
          Array.from({ length: 11 }, (_, n) => [`ImageCriterion.${n + 1}.ImageProvider.1`, "amazon"]),
        ),
        "InvalidParameterValue",
      ],
      [
        "ReplaceImageCriteriaInAllowedImagesSettings",
        Object.fromEntries(
          Array.from({ length: 201 }, (_, n) => [`ImageCriterion.1.ImageProvider.${n + 1}`, "amazon"]),
        ),
        "InvalidParameterValue",
      ],
    ];
    for (const [action, params, code] of cases) {
      const r = await c.call(consumer, action, params);
      assert.equal(r.code, code, `${action} ${JSON.stringify(params).slice(0, 80)}: ${r.raw}`);
    }
    const after = (await c.call(consumer, "GetAllowedImagesSettings")).raw.replace(
      /<requestId>.*<\/requestId>/,
      "",
    );
    assert.equal(after, before);
  });
});

describe("what the settings do", () => {
  test("disabled: no imageAllowed; audit mode: every image marked, nothing hidden; own images always allowed", async () => {
    await replace({
      "ImageCriterion.1.ImageProvider.1": "amazon",
      "ImageCriterion.2.ImageProvider.1": vendor.account.accountId,
    });
    await c.call(consumer, "DisableAllowedImagesSettings");
    const off = await listed();
    assert.deepEqual(
      [...off.values()].filter((v) => v !== undefined),
      [],
    );
    await c.call(consumer, "EnableAllowedImagesSettings", { AllowedImagesSettingsState: "audit-mode" });
    const audit = await listed();
    assert.equal(audit.get(ids.amazonImage), "true");
    assert.equal(audit.get(ids.vendorImage), "true");
    assert.equal(audit.get(ids.otherImage), "false");
    assert.equal(audit.get(ids.ownImage), "true");
    assert.equal((await listed({ "ImageId.1": ids.otherImage })).get(ids.otherImage), "false");
    // With the caller's tags too: both in the item.
    await c.call(consumer, "CreateTags", {
      "ResourceId.1": ids.otherImage,
      "Tag.1.Key": "seen",
      "Tag.1.Value": "1",
    });
    const [tagged] = items(
      await c.call(consumer, "DescribeImages", { "ImageId.1": ids.otherImage }),
      "DescribeImages",
      "imagesSet",
    );
    assert.deepEqual(
      [tagged?.tagSet, tagged?.imageAllowed],
      [{ item: [{ key: "seen", value: "1" }] }, "false"],
    );
  });

  test("enabled: images the criteria leave out are not listed, by id either, and cannot be copied", async () => {
    await replace({ "ImageCriterion.1.ImageProvider.1": "amazon" });
    await c.call(consumer, "EnableAllowedImagesSettings", { AllowedImagesSettingsState: "enabled" });
    const enabled = await listed();
    assert.deepEqual([...enabled.keys()].sort(), [ids.amazonImage, ids.ownImage].sort());
    assert.equal(enabled.get(ids.amazonImage), "true");
    assert.equal((await listed({ "ImageId.1": ids.vendorImage })).size, 0);
    assert.equal((await listed({ "ExecutableBy.1": "all" })).has(ids.vendorImage), false);
    // Paging fills each page from the allowed images only.
    const page = await c.call(consumer, "DescribeImages", {
      MaxResults: "5",
      "Owner.1": vendor.account.accountId,
    });
    assert.deepEqual(items(page, "DescribeImages", "imagesSet"), []);
    const refused = await c.call(consumer, "CopyImage", {
      SourceImageId: ids.vendorImage,
      SourceRegion: "us-east-1",
      Name: "vendor-copy",
    });
    assert.deepEqual(
      [refused.code, refused.message],
      [
        "OperationNotPermitted",
        `The image ${ids.vendorImage} is not allowed by this account's Allowed AMIs settings (GetAllowedImagesSettings).`,
      ],
    );
    const copied = await c.call(consumer, "CopyImage", {
      SourceImageId: ids.amazonImage,
      SourceRegion: "us-east-1",
      Name: "amazon-copy",
    });
    assert.equal(copied.status, 200, copied.raw);
    ids.ownCopy = member(copied, "CopyImage", "imageId") as string;
    // "none": the account's own images only (its copy among them).
    await replace({ "ImageCriterion.1.ImageProvider.1": "none" });
    const own = await listed();
    assert.deepEqual([...own.keys()].sort(), [ids.ownImage, ids.ownCopy].sort());
    // No criteria at all: the same.
    await replace({});
    assert.equal((await listed()).has(ids.amazonImage), false);
    // Other accounts are not affected by the consumer's settings.
    const r = await c.call(other, "DescribeImages", { "ImageId.1": ids.vendorImage });
    assert.equal(items(r, "DescribeImages", "imagesSet").length, 1);
    await c.call(consumer, "DisableAllowedImagesSettings");
  });

  test("amigate's criterion: other accounts' images need a current verdict that passes the gate", async () => {
    const unknown = await settingsRoute("PUT", { requirePassingVerdict: "yes" });
    assert.equal(unknown.error?.code, "InvalidParameterValue");
    const extra = await settingsRoute("PUT", { requirePassingVerdict: true, state: "enabled" });
    assert.equal(extra.error?.message, 'Unknown field "state".');
    const put = await settingsRoute("PUT", { requirePassingVerdict: true });
    assert.equal(put.json.requirePassingVerdict, true);
    assert.equal(put.json.managedBy, "account");
    await replace({ "ImageCriterion.1.ImageName.1": "*" });
    await c.call(consumer, "EnableAllowedImagesSettings", { AllowedImagesSettingsState: "audit-mode" });
    const withScan = async (
      imageId: string,
      report?: string,
      status: "done" | "running" | "failed" = "done",
    ) => {
      const scan = await c.store.createScan(imageId);
      await c.store.updateScan(scan.scanId, { status, ...(report ? { report } : {}) });
    };
    await withScan(ids.amazonImage, PASSING);
    await withScan(ids.vendorImage, FAILING);
    const marks = await listed();
    assert.equal(marks.get(ids.amazonImage), "true", "passing verdict");
    assert.equal(marks.get(ids.vendorImage), "false", "failing verdict");
    assert.equal(marks.get(ids.otherImage), "false", "never scanned");
    assert.equal(marks.get(ids.ownImage), "true", "own images need no verdict");
    // The latest scan counts: a rescan under way, then a failed one, take the pass away.
    await withScan(ids.amazonImage, undefined, "running");
    assert.equal((await listed()).get(ids.amazonImage), "false");
    await withScan(ids.amazonImage, PASSING);
    await withScan(ids.vendorImage, PASSING);
    await c.call(consumer, "EnableAllowedImagesSettings", { AllowedImagesSettingsState: "enabled" });
    const enabled = await listed();
    assert.deepEqual(
      [...enabled.keys()].sort(),
      [ids.amazonImage, ids.vendorImage, ids.ownImage, ids.ownCopy].sort(),
    );
    // A re-judgement that fails the report takes it away at the next request.
    const scan = await c.store.latestScan(ids.vendorImage);
    await c.store.updateScan(scan!.scanId, { report: FAILING, judgedAt: new Date().toISOString() });
    assert.equal((await listed()).has(ids.vendorImage), false);
    const get = await settingsRoute("GET");
    assert.deepEqual(get.json, {
      state: "enabled",
      criteria: [{ imageNames: ["*"] }],
      requirePassingVerdict: true,
      managedBy: "account",
    });
    await settingsRoute("PUT", { requirePassingVerdict: false });
    assert.equal((await listed()).get(ids.vendorImage), "true");
    assert.equal((await listed()).has(ids.otherImage), true);
    await c.call(consumer, "DisableAllowedImagesSettings");
  });
});

test("criteria: providers, names with wildcards, age and deprecation, product codes", () => {
  const now = new Date("2026-06-01T00:00:00.000Z");
  const image = testImage("111122223333", "debian-12-amd64-20260101", {
    ownerAlias: "amazon",
    creationDate: "2026-01-01T00:00:00.000Z",
  });
  const cases: Array<[ImageCriterion, boolean]> = [
    [{ imageProviders: ["amazon"] }, true],
    [{ imageProviders: ["aws-marketplace"] }, false],
    [{ imageProviders: ["111122223333"] }, true],
    [{ imageProviders: ["999999999999", "amazon"] }, true],
    [{ imageProviders: ["none"] }, false],
    [{ imageNames: ["debian-12-*"] }, true],
    [{ imageNames: ["debian-1?-amd64-*"] }, true],
    [{ imageNames: ["Debian-*"] }, false],
    [{ imageNames: ["debian-12"] }, false],
    [{ imageProviders: ["amazon"], imageNames: ["ubuntu-*"] }, false],
    [{ maximumDaysSinceCreated: 151 }, true],
    [{ maximumDaysSinceCreated: 150 }, false],
    [{ maximumDaysSinceDeprecated: 0 }, true],
    [{ marketplaceProductCodes: ["abc123"] }, false],
  ];
  for (const [criterion, expected] of cases)
    assert.equal(matchesCriterion(image, criterion, now), expected, JSON.stringify(criterion));
  const deprecated = { ...image, deprecationTime: "2026-05-01T00:00:00.000Z" };
  assert.equal(matchesCriterion(deprecated, { maximumDaysSinceDeprecated: 0 }, now), false);
  assert.equal(matchesCriterion(deprecated, { maximumDaysSinceDeprecated: 31 }, now), true);
  assert.equal(matchesCriterion(deprecated, { maximumDaysSinceDeprecated: 30 }, now), false);
  const scheduled = { ...image, deprecationTime: "2027-01-01T00:00:00.000Z" };
  assert.equal(matchesCriterion(scheduled, { maximumDaysSinceDeprecated: 0 }, now), true);
  assert.equal(wildcardMatch("a.b*", "a.bc"), true);
  assert.equal(wildcardMatch("a.b*", "axbc"), false, "a dot is a dot");
  assert.equal(wildcardMatch("[ab]*", "[ab]x"), true, "brackets are literal");
  assert.equal(wildcardMatch("[ab]*", "ax"), false);
  // A tenant's pattern cannot make matching backtrack: 40 stars against a long name without the x.
  assert.equal(wildcardMatch(`${"*".repeat(40)}x`, "a".repeat(128)), false);
});
