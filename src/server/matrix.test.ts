/**
 * The cross-account matrix: every action × {owner, shared-with, stranger} × {public, private}.
 * Expected answers follow EC2 (reference §2–§4): the owner may do everything; an account the image
 * is shared with sees it and tags it (its own tags) but gets AuthFailure (400) for owner-only
 * calls; a stranger sees a public image like a consumer and a private one not at all.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  bodyText,
  member,
  parseEc2,
  type TestCatalogue,
  testCatalogue,
} from "../../test/support/catalogue.js";
import { signHeaders } from "./sign.js";
import type { NewAccount, OrganizationMembership } from "./store/types.js";

type Role = "owner" | "shared" | "stranger";
type Visibility = "public" | "private";
/** "ok", "omitted" (DescribeImages leaves it out), or the EC2 error code (HTTP 400). */
type Outcome = "ok" | "AuthFailure" | "InvalidAMIID.NotFound" | "omitted" | "OperationNotPermitted";

interface Row {
  action: string;
  params: (imageId: string) => Record<string, string>;
  expect: Record<Role, Record<Visibility, Outcome>>;
}

const ownerOnly: Row["expect"] = {
  owner: { public: "ok", private: "ok" },
  shared: { public: "AuthFailure", private: "AuthFailure" },
  stranger: { public: "AuthFailure", private: "InvalidAMIID.NotFound" },
};
const anyoneWhoSees: Row["expect"] = {
  owner: { public: "ok", private: "ok" },
  shared: { public: "ok", private: "ok" },
  stranger: { public: "ok", private: "InvalidAMIID.NotFound" },
};

const ROWS: Row[] = [
  {
    action: "DescribeImages",
    params: (id) => ({ "ImageId.1": id }),
    expect: { ...anyoneWhoSees, stranger: { public: "ok", private: "omitted" } },
  },
  {
    action: "DescribeImageAttribute",
    params: (id) => ({ ImageId: id, Attribute: "launchPermission" }),
    expect: ownerOnly,
  },
  {
    action: "DescribeImageAttribute",
    params: (id) => ({ ImageId: id, Attribute: "description" }),
    expect: ownerOnly,
  },
  {
    action: "ModifyImageAttribute",
    params: (id) => ({ ImageId: id, "LaunchPermission.Add.1.UserId": "111122223333" }),
    expect: ownerOnly,
  },
  {
    action: "ModifyImageAttribute",
    params: (id) => ({ ImageId: id, "LaunchPermission.Remove.1.Group": "all" }),
    expect: ownerOnly,
  },
  {
    action: "ModifyImageAttribute",
    params: (id) => ({ ImageId: id, "Description.Value": "x" }),
    expect: ownerOnly,
  },
  {
    action: "ResetImageAttribute",
    params: (id) => ({ ImageId: id, Attribute: "launchPermission" }),
    expect: ownerOnly,
  },
  {
    action: "EnableImageDeprecation",
    params: (id) => ({ ImageId: id, DeprecateAt: new Date(Date.now() + 86_400_000).toISOString() }),
    expect: ownerOnly,
  },
  {
    action: "DisableImageDeprecation",
    params: (id) => ({ ImageId: id }),
    // A public image keeps its deprecation date (EC2 UG "Deprecate an AMI").
    expect: { ...ownerOnly, owner: { public: "OperationNotPermitted", private: "ok" } },
  },
  { action: "DisableImage", params: (id) => ({ ImageId: id }), expect: ownerOnly },
  { action: "EnableImage", params: (id) => ({ ImageId: id }), expect: ownerOnly },
  {
    action: "EnableImageDeregistrationProtection",
    params: (id) => ({ ImageId: id, WithCooldown: "true" }),
    expect: ownerOnly,
  },
  { action: "DisableImageDeregistrationProtection", params: (id) => ({ ImageId: id }), expect: ownerOnly },
  { action: "DeregisterImage", params: (id) => ({ ImageId: id }), expect: ownerOnly },
  {
    action: "CreateTags",
    params: (id) => ({ "ResourceId.1": id, "Tag.1.Key": "k", "Tag.1.Value": "v" }),
    expect: anyoneWhoSees,
  },
  { action: "DeleteTags", params: (id) => ({ "ResourceId.1": id, "Tag.1.Key": "k" }), expect: anyoneWhoSees },
  {
    action: "CopyImage",
    params: (id) => ({ SourceImageId: id, SourceRegion: "us-east-1", Name: `copy-of-${id}` }),
    expect: anyoneWhoSees,
  },
];

let c: TestCatalogue;
const who = {} as Record<Role, NewAccount>;

before(async () => {
  // Every row makes images public for one owner: the public-image quota is not what is tested here.
  c = await testCatalogue({ publicImageQuota: 0 });
  who.owner = await c.account("m-owner");
  who.shared = await c.account("m-shared");
  who.stranger = await c.account("m-stranger");
});
after(() => c.dispose());

let n = 0;
async function image(visibility: Visibility): Promise<string> {
  const r = await c.call(who.owner, "RegisterImage", { Name: `matrix-${n++}`, RootDeviceName: "/dev/xvda" });
  const id = member(r, "RegisterImage", "imageId") as string;
  const add: Record<string, string> = {
    ImageId: id,
    "LaunchPermission.Add.1.UserId": who.shared.account.accountId,
  };
  if (visibility === "public") add["LaunchPermission.Add.2.Group"] = "all";
  assert.equal((await c.call(who.owner, "ModifyImageAttribute", add)).status, 200);
  return id;
}

test("cross-account matrix", async () => {
  let cells = 0;
  for (const row of ROWS)
    for (const role of ["owner", "shared", "stranger"] as const)
      for (const visibility of ["public", "private"] as const) {
        const id = await image(visibility);
        const r = await c.call(who[role], row.action, row.params(id));
        const expected = row.expect[role][visibility];
        const label = `${row.action} ${JSON.stringify(row.params("…"))} as ${role} on ${visibility}`;
        if (expected === "ok" || expected === "omitted") {
          assert.equal(r.status, 200, `${label}: ${r.raw}`);
          if (row.action === "DescribeImages") {
            const listed = r.raw.includes(`<imageId>${id}</imageId>`);
            assert.equal(listed, expected === "ok", label);
          }
        } else {
          assert.equal(r.code, expected, `${label}: ${r.raw}`);
          assert.equal(r.status, 400, label);
          if (expected === "AuthFailure") assert.equal(r.message, `Not authorized for image:${id}`, label);
          else if (expected === "InvalidAMIID.NotFound")
            assert.equal(r.message, `The image id '[${id}]' does not exist`, label);
        }
        cells++;
      }
  assert.equal(cells, ROWS.length * 6);
});

test("a shared-with account cannot re-share; the owner's list is unchanged", async () => {
  const id = await image("private");
  const r = await c.call(who.shared, "ModifyImageAttribute", {
    ImageId: id,
    "LaunchPermission.Add.1.UserId": who.stranger.account.accountId,
  });
  assert.equal(r.code, "AuthFailure");
  const lp = await c.call(who.owner, "DescribeImageAttribute", {
    ImageId: id,
    Attribute: "launchPermission",
  });
  assert.ok(!lp.raw.includes(who.stranger.account.accountId));
  assert.equal(
    (await c.call(who.stranger, "DescribeImages", { "ExecutableBy.1": "self" })).raw.includes(id),
    false,
  );
});

test("a deprecated image: the owner lists it; others only by id or with IncludeDeprecated", async () => {
  const listings: Array<[string, Record<string, string>]> = [
    ["default", {}],
    ["IncludeDeprecated", { IncludeDeprecated: "true" }],
    ["by id", {}],
  ];
  const expect: Record<Role, Record<Visibility, boolean[]>> = {
    owner: { public: [true, true, true], private: [true, true, true] },
    shared: { public: [false, true, true], private: [false, true, true] },
    stranger: { public: [false, true, true], private: [false, false, false] },
  };
  const ids = { public: await image("public"), private: await image("private") };
  for (const id of Object.values(ids))
    await c.call(who.owner, "EnableImageDeprecation", {
      ImageId: id,
      DeprecateAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
  c.app.deps.now = () => new Date(Date.now() + 7_200_000);
  try {
    for (const role of ["owner", "shared", "stranger"] as const)
      for (const visibility of ["public", "private"] as const)
        for (const [n, [name, params]] of listings.entries()) {
          const id = ids[visibility];
          const r = await c.call(
            who[role],
            "DescribeImages",
            name === "by id" ? { "ImageId.1": id } : params,
          );
          assert.equal(r.status, 200, r.raw);
          const label = `${name} as ${role} on ${visibility}`;
          assert.equal(r.raw.includes(`<imageId>${id}</imageId>`), expect[role][visibility][n], label);
        }
  } finally {
    delete c.app.deps.now;
  }
});

test("a disabled image: only its owner sees it, and only with IncludeDisabled", async () => {
  for (const visibility of ["public", "private"] as const) {
    const id = await image(visibility);
    assert.equal((await c.call(who.owner, "DisableImage", { ImageId: id })).status, 200);
    for (const role of ["owner", "shared", "stranger"] as const)
      for (const params of [
        {},
        { IncludeDisabled: "true" },
        { "ImageId.1": id },
        { "ImageId.1": id, IncludeDisabled: "true" },
      ] as Array<Record<string, string>>) {
        const r = await c.call(who[role], "DescribeImages", params);
        const label = `${JSON.stringify(params)} as ${role} on ${visibility}`;
        assert.equal(r.status, 200, `${label}: ${r.raw}`);
        const expected = role === "owner" && "IncludeDisabled" in params;
        assert.equal(r.raw.includes(`<imageId>${id}</imageId>`), expected, label);
      }
  }
});

/** A signed GET of one of our endpoints (/amigate/…), as its EC2 error code or "ok". */
async function get(who: NewAccount, pathname: string): Promise<string> {
  const url = new URL(`http://127.0.0.1:8754${pathname}`);
  const headers = await signHeaders(who, { method: "GET", url, headers: {} });
  const res = await c.app.handle({
    method: "GET",
    url: url.pathname,
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
    body: Buffer.alloc(0),
    remoteAddress: "127.0.0.1",
  });
  return res.status === 200 ? "ok" : (parseEc2(await bodyText(res), res.status).code ?? String(res.status));
}

test("organization and OU launch permissions reach the accounts in them, OUs below included, and no one else", async () => {
  const org = "o-matrixorg01";
  const arn = (tail: string) => `arn:aws:organizations::111122223333:${tail}`;
  const parent = "ou-mx01-parent00";
  const child = "ou-mx01-child000";
  const sibling = "ou-mx01-sibling0";
  const newAccount = (organization?: OrganizationMembership) =>
    c.store.createAccount(organization ? { organization } : {});
  const roles = {
    inChildOu: await newAccount({ organizationId: org, ouPath: [parent, child] }),
    inSiblingOu: await newAccount({ organizationId: org, ouPath: [sibling] }),
    atRoot: await newAccount({ organizationId: org, ouPath: [] }),
    otherOrg: await newAccount({ organizationId: "o-otherorg0001", ouPath: [parent] }),
    noOrg: await newAccount(),
  };
  const share = async (name: string, grant: Record<string, string>) => {
    const r = await c.call(who.owner, "RegisterImage", { Name: name, RootDeviceName: "/dev/xvda" });
    const id = member(r, "RegisterImage", "imageId") as string;
    const add = Object.fromEntries(Object.entries(grant).map(([k, v]) => [`LaunchPermission.Add.1.${k}`, v]));
    assert.equal((await c.call(who.owner, "ModifyImageAttribute", { ImageId: id, ...add })).status, 200);
    return id;
  };
  const images = {
    byOrg: await share("org-shared", { OrganizationArn: arn(`organization/${org}`) }),
    byParentOu: await share("ou-shared", { OrganizationalUnitArn: arn(`ou/${org}/${parent}`) }),
  };
  const reaches: Record<keyof typeof images, Array<keyof typeof roles>> = {
    byOrg: ["inChildOu", "inSiblingOu", "atRoot"],
    byParentOu: ["inChildOu"],
  };
  const listed = async (r: NewAccount, id: string, params: Record<string, string>) => {
    const reply = await c.call(r, "DescribeImages", params);
    assert.equal(reply.status, 200, reply.raw);
    return reply.raw.includes(`<imageId>${id}</imageId>`);
  };
  let cells = 0;
  for (const [imageName, id] of Object.entries(images) as Array<[keyof typeof images, string]>)
    for (const [roleName, r] of Object.entries(roles) as Array<[keyof typeof roles, NewAccount]>) {
      const sees = reaches[imageName].includes(roleName);
      const label = `${imageName} as ${roleName}`;
      assert.equal(await listed(r, id, { "ImageId.1": id }), sees, `${label}: by id`);
      assert.equal(await listed(r, id, {}), sees, `${label}: listing`);
      assert.equal(await listed(r, id, { "ExecutableBy.1": "self" }), sees, `${label}: executable by self`);
      const tag = await c.call(r, "CreateTags", { "ResourceId.1": id, "Tag.1.Key": "k", "Tag.1.Value": "v" });
      assert.equal(tag.code ?? "ok", sees ? "ok" : "InvalidAMIID.NotFound", `${label}: CreateTags`);
      const attr = await c.call(r, "DescribeImageAttribute", { ImageId: id, Attribute: "launchPermission" });
      assert.equal(attr.code, sees ? "AuthFailure" : "InvalidAMIID.NotFound", `${label}: attribute`);
      // Pull: visible, the image has no pushed disk; invisible, it does not exist.
      assert.equal(
        await get(r, `/amigate/images/${id}/blob`),
        sees ? "InvalidAMIID.Unavailable" : "InvalidAMIID.NotFound",
        `${label}: pull`,
      );
      // Visible, the image has no listing; invisible, it does not exist.
      assert.equal(
        await get(r, `/amigate/images/${id}/listing`),
        sees ? "InvalidListing.NotFound" : "InvalidAMIID.NotFound",
        `${label}: listing`,
      );
      cells++;
    }
  assert.equal(cells, 10);
  // Leaving the organization ends the access at the next request.
  await c.store.setOrganization(roles.atRoot.account.accountId, undefined);
  assert.equal(await listed(roles.atRoot, images.byOrg, { "ImageId.1": images.byOrg }), false);
  assert.equal(await get(roles.atRoot, `/amigate/images/${images.byOrg}/listing`), "InvalidAMIID.NotFound");
  assert.equal(await get(roles.atRoot, `/amigate/images/${images.byOrg}/blob`), "InvalidAMIID.NotFound");
  // Moving into the OU gives it.
  await c.store.setOrganization(roles.noOrg.account.accountId, { organizationId: org, ouPath: [parent] });
  assert.equal(await listed(roles.noOrg, images.byParentOu, { "ExecutableBy.1": "self" }), true);
  // Deregistered: listed for a while, then Unavailable, to the OU's members; nothing to the others.
  assert.equal((await c.call(who.owner, "DeregisterImage", { ImageId: images.byParentOu })).status, 200);
  for (const [roleName, r] of Object.entries(roles) as Array<[keyof typeof roles, NewAccount]>) {
    const member = roleName === "inChildOu" || roleName === "noOrg";
    const label = `deregistered, as ${roleName}`;
    const again = await c.call(r, "CreateTags", { "ResourceId.1": images.byParentOu, "Tag.1.Key": "k" });
    assert.equal(again.code, member ? "InvalidAMIID.Unavailable" : "InvalidAMIID.NotFound", label);
    assert.equal(await listed(r, images.byParentOu, { "ExecutableBy.1": "self" }), member, label);
  }
});
