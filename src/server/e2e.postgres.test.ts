/**
 * End to end on PostgreSQL: `amigate migrate` and two `amigate serve --database postgres://…` nodes
 * on one throwaway cluster (test/support/postgres.ts) and one data dir (the shared secret.key), and
 * @aws-sdk/client-ec2 alternating between the nodes: register, describe (filters, paging), tags,
 * ModifyImageAttribute, reset, deregister. A change through one node is seen through the other on
 * the next request, and nothing is written to SQLite.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import {
  CreateTagsCommand,
  DeleteTagsCommand,
  DeregisterImageCommand,
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DescribeTagsCommand,
  type EC2Client,
  ModifyImageAttributeCommand,
  RegisterImageCommand,
  ResetImageAttributeCommand,
} from "@aws-sdk/client-ec2";
import pg from "pg";
import { type PostgresCluster, postgresMissing, startPostgres } from "../../test/support/postgres.js";
import {
  amigate,
  createAccount,
  ec2Client,
  type Keys,
  type ServerProcess,
  startServer,
} from "../../test/support/server-process.js";
import { PG_MIGRATIONS } from "./store/postgres/migrations.js";

const VERSIONS = PG_MIGRATIONS.map((_, i) => i + 1).join(", ");

describe("the EC2 API on PostgreSQL, two nodes", { skip: postgresMissing() }, () => {
  let cluster: PostgresCluster;
  let url: string;
  let dataDir: string;
  let nodes: ServerProcess[] = [];
  let acme: Keys;
  let friend: Keys;
  let stranger: Keys;
  /** The client of `keys` on node n (0 or 1). */
  const on = (n: number, keys: Keys): EC2Client => ec2Client(nodes[n]!.url, keys);

  before(async () => {
    cluster = await startPostgres();
    url = await cluster.createDatabase();
    dataDir = mkdtempSync(path.join(os.tmpdir(), "amigate-pg-e2e-"));
  });
  after(async () => {
    for (const n of nodes) await n.stop();
    cluster?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test("amigate migrate applies every version once and then reports the schema current", () => {
    const env = { FORCE_COLOR: "0", NO_COLOR: "1" };
    const redacted = url.replace(/^postgres:\/\//, "");
    assert.equal(
      amigate(["migrate", "--database", url, "--data-dir", dataDir], env),
      `amigate migrate: PostgreSQL postgres://${redacted}: schema version ${PG_MIGRATIONS.length} (applied ${VERSIONS})\n`,
    );
    assert.deepEqual(
      JSON.parse(amigate(["migrate", "--database", url, "--data-dir", dataDir, "--json"], env)),
      {
        database: `PostgreSQL postgres://${redacted}`,
        version: PG_MIGRATIONS.length,
        applied: [],
      },
    );
  });

  test("two nodes start on the database; accounts created by the CLI work on both", async () => {
    // One after the other: the first start creates the admin account (printed once).
    nodes = [await startServer(dataDir, ["--database", url])];
    nodes.push(await startServer(dataDir, ["--database", url]));
    assert.match(nodes[0]!.stdout, /created admin account \d{12}/);
    assert.doesNotMatch(nodes[1]!.stdout, /created admin account/);
    assert.match(nodes[1]!.stdout, /database: PostgreSQL postgres:\/\/postgres@127\.0\.0\.1:\d+\/amigate_/);
    const extra = ["--database", url];
    acme = createAccount(dataDir, "acme", extra);
    friend = createAccount(dataDir, "friend", extra);
    stranger = createAccount(dataDir, "stranger", extra);
    assert.equal(existsSync(path.join(dataDir, "catalogue.db")), false, "nothing went to SQLite");
  });

  test("register, tag, share and describe across the nodes; errors carry EC2 codes", async () => {
    const { ImageId } = await on(0, acme).send(
      new RegisterImageCommand({
        Name: "pg-image",
        Architecture: "arm64",
        VirtualizationType: "hvm",
        RootDeviceName: "/dev/xvda",
        TagSpecifications: [{ ResourceType: "image", Tags: [{ Key: "team", Value: "web" }] }],
      }),
    );
    assert.match(ImageId!, /^ami-[0-9a-f]{17}$/);
    const mine = await on(1, acme).send(new DescribeImagesCommand({ Owners: ["self"] }));
    assert.deepEqual(
      mine.Images!.map((i) => [i.ImageId, i.Name, i.Architecture, i.Public, i.Tags]),
      [[ImageId, "pg-image", "arm64", false, [{ Key: "team", Value: "web" }]]],
    );

    await on(1, acme).send(
      new CreateTagsCommand({ Resources: [ImageId!], Tags: [{ Key: "env", Value: "prod" }] }),
    );
    const byTag = await on(0, acme).send(
      new DescribeImagesCommand({ Owners: ["self"], Filters: [{ Name: "tag:env", Values: ["prod"] }] }),
    );
    assert.deepEqual(
      byTag.Images!.map((i) => i.ImageId),
      [ImageId],
    );
    const tags = await on(0, acme).send(
      new DescribeTagsCommand({ Filters: [{ Name: "resource-id", Values: [ImageId!] }] }),
    );
    assert.deepEqual(
      tags.Tags!.map((t) => [t.Key, t.Value, t.ResourceType]),
      [
        ["env", "prod", "image"],
        ["team", "web", "image"],
      ],
    );
    await on(1, acme).send(new DeleteTagsCommand({ Resources: [ImageId!], Tags: [{ Key: "team" }] }));
    const left = await on(0, acme).send(new DescribeImagesCommand({ ImageIds: [ImageId!] }));
    assert.deepEqual(left.Images![0]!.Tags, [{ Key: "env", Value: "prod" }]);

    await on(0, acme).send(
      new ModifyImageAttributeCommand({ ImageId, Description: { Value: "on PostgreSQL" } }),
    );
    await on(1, acme).send(
      new ModifyImageAttributeCommand({ ImageId, LaunchPermission: { Add: [{ UserId: friend.accountId }] } }),
    );
    const attr = await on(0, acme).send(
      new DescribeImageAttributeCommand({ ImageId, Attribute: "launchPermission" }),
    );
    assert.deepEqual(attr.LaunchPermissions, [{ UserId: friend.accountId }]);
    const shared = await on(0, friend).send(new DescribeImagesCommand({ ExecutableUsers: ["self"] }));
    assert.deepEqual(
      shared.Images!.map((i) => [i.ImageId, i.Description, i.Tags]),
      [[ImageId, "on PostgreSQL", undefined]],
      "the share made through node 2 is seen through node 1; the owner's tags stay the owner's",
    );
    assert.deepEqual(
      (await on(1, stranger).send(new DescribeImagesCommand({ ImageIds: [ImageId!] }))).Images,
      [],
    );
    await assert.rejects(
      on(0, stranger).send(new DescribeImageAttributeCommand({ ImageId, Attribute: "launchPermission" })),
      { name: "InvalidAMIID.NotFound" },
    );
    await assert.rejects(
      on(1, friend).send(new ResetImageAttributeCommand({ ImageId, Attribute: "launchPermission" })),
      { name: "AuthFailure" },
    );
    await assert.rejects(
      on(0, acme).send(
        new RegisterImageCommand({
          Name: "pg-image",
          VirtualizationType: "hvm",
          RootDeviceName: "/dev/xvda",
        }),
      ),
      { name: "InvalidAMIName.Duplicate" },
    );

    await on(1, acme).send(new ResetImageAttributeCommand({ ImageId, Attribute: "launchPermission" }));
    assert.deepEqual(
      (await on(0, friend).send(new DescribeImagesCommand({ ExecutableUsers: ["self"] }))).Images,
      [],
    );
    await on(0, acme).send(new DeregisterImageCommand({ ImageId }));
    // Listed for a while as deregistered (serve --deregistered-listing), by the other node too.
    assert.deepEqual(
      (await on(1, acme).send(new DescribeImagesCommand({ Owners: ["self"] }))).Images!.map((i) => [
        i.ImageId,
        i.State,
      ]),
      [[ImageId, "deregistered"]],
    );
  });

  test("DescribeImages pages by NextToken in image id order, whichever node answers each page", async () => {
    const registered: string[] = [];
    for (let n = 0; n < 7; n++) {
      const { ImageId } = await on(n % 2, acme).send(
        new RegisterImageCommand({
          Name: `paged-${n}`,
          VirtualizationType: "hvm",
          RootDeviceName: "/dev/xvda",
        }),
      );
      registered.push(ImageId!);
    }
    const seen: string[] = [];
    let token: string | undefined;
    let page = 0;
    do {
      const r = await on(page++ % 2, acme).send(
        new DescribeImagesCommand({
          Owners: ["self"],
          MaxResults: 5,
          ...(token ? { NextToken: token } : {}),
        }),
      );
      // The image deregistered above is still listed (state deregistered): not one of these.
      seen.push(...r.Images!.filter((i) => i.State !== "deregistered").map((i) => i.ImageId!));
      token = r.NextToken;
    } while (token && page < 10);
    assert.deepEqual(seen, [...registered].sort());
    assert.equal(page, 2);
  });

  test("every acknowledged change is in PostgreSQL's audit log, once", async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ action: string; n: number }>(
        "SELECT action, count(*)::int AS n FROM audit_log WHERE account_id = $1 AND outcome = 'ok' GROUP BY action ORDER BY action",
        [acme.accountId],
      );
      assert.deepEqual(Object.fromEntries(rows.map((r) => [r.action, r.n])), {
        CreateTags: 1,
        DeleteTags: 1,
        DeregisterImage: 1,
        ModifyImageAttribute: 2,
        RegisterImage: 8,
        ResetImageAttribute: 1,
      });
    } finally {
      await client.end();
    }
  });
});
