/**
 * Moving a catalogue, end to end with real parts: a catalogue built through `amigate serve` on
 * SQLite + a local folder (pushed images, scanned, shared, tagged) is exported, imported into
 * PostgreSQL (a throwaway cluster) + S3 (s3rver), exported again, and imported into a fresh SQLite
 * + folder. The three bundles hold the same records byte for byte and the same blobs, and the EC2
 * API answers DescribeImages, DescribeImageAttribute and DescribeTags identically on all three
 * catalogues; the moved catalogue keeps taking pushes (ids continue past the imported ones).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  appendFileSync,
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import {
  CreateTagsCommand,
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DescribeTagsCommand,
  ModifyImageAttributeCommand,
} from "@aws-sdk/client-ec2";
import { fillCatalogue } from "../../test/support/bundle-catalogue.js";
import { type PostgresCluster, postgresMissing, startPostgres } from "../../test/support/postgres.js";
import { type S3Server, startS3 } from "../../test/support/s3-server.js";
import {
  amigate,
  createAccount,
  ec2Client,
  type Keys,
  type ServerProcess,
  startServer,
  waitForScan,
} from "../../test/support/server-process.js";
import { openStore } from "./catalogue.js";
import { BundleError, exportCatalogue, importCatalogue } from "./catalogue-bundle.js";
import { FolderBlobStore } from "./store/blobs.js";
import { type BundleManifest, readManifest } from "./store/bundle/manifest.js";
import { PostgresTables } from "./store/bundle/postgres-tables.js";
import { BUNDLE_TABLES, recordsFile, SKIPPED_TABLES } from "./store/bundle/tables.js";

const BUCKET = "amigate-moved";

interface Summary {
  records: Record<string, number>;
  blobs: number;
  bytes: number;
  seconds: number;
}

describe("export and import between SQLite + folder and PostgreSQL + S3", { skip: postgresMissing() }, () => {
  let cluster: PostgresCluster;
  let s3: S3Server;
  let pgUrl: string;
  let s3Url: string;
  const root = mkdtempSync(path.join(os.tmpdir(), "amigate-move-"));
  const at = (...p: string[]) => path.join(root, ...p);
  let acme: Keys;
  let friend: Keys;
  const imageIds: string[] = [];
  let answers: unknown;
  const timings: Record<string, Summary> = {};

  /** What the EC2 API says of the catalogue behind `server`, request ids left out. */
  async function describe(server: ServerProcess): Promise<unknown> {
    const strip = <T extends { $metadata?: unknown }>({ $metadata: _, ...rest }: T) => rest;
    const owner = ec2Client(server.url, acme);
    const consumer = ec2Client(server.url, friend);
    return {
      owned: strip(await owner.send(new DescribeImagesCommand({ Owners: ["self"] }))),
      shared: strip(await consumer.send(new DescribeImagesCommand({ ExecutableUsers: ["self"] }))),
      grants: strip(
        await owner.send(
          new DescribeImageAttributeCommand({ ImageId: imageIds[0], Attribute: "launchPermission" }),
        ),
      ),
      ownerTags: strip(await owner.send(new DescribeTagsCommand({}))),
      consumerTags: strip(await consumer.send(new DescribeTagsCommand({}))),
    };
  }

  function push(server: ServerProcess, file: string, name: string): string {
    const out = amigate(["push", file, "--name", name, "--endpoint", server.url, "--json"], {
      AWS_ACCESS_KEY_ID: acme.accessKeyId,
      AWS_SECRET_ACCESS_KEY: acme.secretAccessKey,
    });
    return (JSON.parse(out) as { imageId: string }).imageId;
  }

  function tarOf(name: string, release: string): string {
    const tree = at(`tree-${name}`);
    mkdirSync(path.join(tree, "etc"), { recursive: true });
    writeFileSync(path.join(tree, "etc/os-release"), `ID=debian\nVERSION_ID="${release}"\n`);
    writeFileSync(path.join(tree, "etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n");
    writeFileSync(path.join(tree, "etc/shadow"), "root:*:19000:0:99999:7:::\n");
    const tar = at(`${name}.tar`);
    execFileSync("tar", ["-C", tree, "-cf", tar, "."]);
    return tar;
  }

  /** A data dir holding the first catalogue's secret.key, as docs/deploy.md says to prepare one. */
  function dataDirWithKey(name: string): string {
    mkdirSync(at(name));
    copyFileSync(at("sqlite-1", "secret.key"), at(name, "secret.key"));
    return at(name);
  }

  const run = (label: string, args: string[]) => {
    timings[label] = JSON.parse(amigate([...args, "--json"])) as Summary;
    return timings[label];
  };

  before(async () => {
    [cluster, s3] = await Promise.all([startPostgres(), startS3("s3rver")]);
    Object.assign(process.env, s3.env);
    pgUrl = await cluster.createDatabase();
    await s3.bucket(BUCKET);
    s3Url = `s3://${BUCKET}/moved/?region=us-east-1&endpoint=${encodeURIComponent(s3.endpoint)}&path-style=true`;

    const server = await startServer(at("sqlite-1"));
    try {
      acme = createAccount(server.dataDir, "acme");
      friend = createAccount(server.dataDir, "friend");
      for (const [name, release] of [
        ["move-bookworm", "12"],
        ["move-trixie", "13"],
      ] as const) {
        const id = push(server, tarOf(name, release), name);
        assert.equal((await waitForScan(server, acme, id)).status, "done");
        imageIds.push(id);
      }
      const owner = ec2Client(server.url, acme);
      await owner.send(
        new ModifyImageAttributeCommand({
          ImageId: imageIds[0],
          LaunchPermission: { Add: [{ UserId: friend.accountId }] },
        }),
      );
      await owner.send(
        new CreateTagsCommand({ Resources: imageIds, Tags: [{ Key: "stage", Value: "moved" }] }),
      );
      await ec2Client(server.url, friend).send(
        new CreateTagsCommand({ Resources: [imageIds[0]!], Tags: [{ Key: "mine", Value: "yes" }] }),
      );
      answers = await describe(server);
    } finally {
      await server.stop();
    }
  });
  after(async () => {
    await s3?.stop();
    cluster?.stop();
    rmSync(root, { recursive: true, force: true });
    console.log(`export/import of the test catalogue: ${JSON.stringify(timings)}`);
  });

  test("the PostgreSQL schema's tables and columns are the ones a bundle carries or skips", async () => {
    const tables = await PostgresTables.open(await cluster.createDatabase());
    try {
      const schema = await tables.schemaColumns();
      for (const spec of BUNDLE_TABLES)
        assert.deepEqual(
          [...(schema[spec.table] ?? [])].sort(),
          Object.keys(spec.columns).sort(),
          spec.table,
        );
      assert.deepEqual(
        Object.keys(schema).sort(),
        [...BUNDLE_TABLES.map((s) => s.table), ...Object.keys(SKIPPED_TABLES)].sort(),
      );
    } finally {
      await tables.close();
    }
  });

  test("SQLite → PostgreSQL + S3 → SQLite keeps every record, blob and EC2 answer", async () => {
    const first = run("export sqlite", ["export", at("bundle-1"), "--data-dir", at("sqlite-1")]);
    assert.equal(first.blobs, 2);
    const pgDir = dataDirWithKey("pg");
    run("import postgres+s3", [
      "import",
      at("bundle-1"),
      "--data-dir",
      pgDir,
      "--database",
      pgUrl,
      "--blobs",
      s3Url,
    ]);
    run("export postgres+s3", [
      "export",
      at("bundle-2"),
      "--data-dir",
      pgDir,
      "--database",
      pgUrl,
      "--blobs",
      s3Url,
    ]);
    const sqliteDir = dataDirWithKey("sqlite-2");
    run("import sqlite", ["import", at("bundle-2"), "--data-dir", sqliteDir]);
    run("export sqlite again", ["export", at("bundle-3"), "--data-dir", sqliteDir]);

    const manifests = await Promise.all(["bundle-1", "bundle-2", "bundle-3"].map((b) => readManifest(at(b))));
    for (const m of manifests.slice(1)) {
      assert.deepEqual(m.records, manifests[0]!.records);
      assert.deepEqual(m.blobs, manifests[0]!.blobs);
    }
    assert.deepEqual(
      manifests.map((m) => m.source),
      ["sqlite", "postgres", "sqlite"],
    );
    for (const spec of BUNDLE_TABLES) {
      const one = readFileSync(at("bundle-1", recordsFile(spec)));
      assert.ok(one.equals(readFileSync(at("bundle-2", recordsFile(spec)))), spec.table);
      assert.ok(one.equals(readFileSync(at("bundle-3", recordsFile(spec)))), spec.table);
    }
    assert.ok(manifests[0]!.records.scans!.count >= 2 && manifests[0]!.records.audit_log!.count > 0);

    const onPostgres = await startServer(pgDir, ["--database", pgUrl, "--blobs", s3Url]);
    try {
      assert.deepEqual(await describe(onPostgres), answers);
      // New rows take ids after the imported ones (scans, audit entries).
      const third = push(onPostgres, tarOf("move-after", "12"), "move-after");
      assert.equal((await waitForScan(onPostgres, acme, third)).status, "done");
      const pulled = at("pulled.tar");
      amigate(["pull", imageIds[1]!, "-o", pulled, "--accept-findings", "--endpoint", onPostgres.url], {
        AWS_ACCESS_KEY_ID: acme.accessKeyId,
        AWS_SECRET_ACCESS_KEY: acme.secretAccessKey,
      });
      assert.ok(readFileSync(pulled).equals(readFileSync(at("move-trixie.tar"))));
    } finally {
      await onPostgres.stop();
    }
    const onSqlite = await startServer(sqliteDir);
    try {
      assert.deepEqual(await describe(onSqlite), answers);
    } finally {
      await onSqlite.stop();
    }
  });
  test("PostgreSQL: a bundle whose rows break a constraint leaves no row; a non-empty catalogue is refused", async () => {
    // A duplicate tag row, with the manifest made to agree: only the database can see it.
    cpSync(at("bundle-1"), at("bundle-dup"), { recursive: true });
    const tags = at("bundle-dup", "records/tags.jsonl");
    const first = readFileSync(tags, "utf8").split("\n")[0]!;
    appendFileSync(tags, `${first}\n`);
    const manifest = JSON.parse(readFileSync(at("bundle-dup", "manifest.json"), "utf8")) as BundleManifest;
    manifest.records.tags = {
      ...manifest.records.tags!,
      count: manifest.records.tags!.count + 1,
      sha256: createHash("sha256").update(readFileSync(tags)).digest("hex"),
    };
    writeFileSync(at("bundle-dup", "manifest.json"), JSON.stringify(manifest));
    const url = await cluster.createDatabase();
    const dir = dataDirWithKey("pg-dup");
    await assert.rejects(importCatalogue(at("bundle-dup"), { dataDir: dir, database: url }), (e: Error) => {
      assert.ok(e instanceof BundleError);
      assert.match(
        e.message,
        /^PostgreSQL .*: writing the bundle's rows failed, none were kept: duplicate key/,
      );
      return true;
    });
    const tables = await PostgresTables.open(url);
    try {
      assert.equal(await tables.firstNonEmpty(), undefined);
    } finally {
      await tables.close();
    }
    await assert.rejects(
      importCatalogue(at("bundle-1"), { dataDir: at("pg"), database: pgUrl }),
      /is not empty \(accounts has rows\)/,
    );
  });
  test("PostgreSQL carries every table's values (json, bytes, booleans, nulls) to the same bundle", async () => {
    const store = openStore(at("full"));
    await fillCatalogue(store, new FolderBlobStore(at("full", "blobs")));
    await store.close();
    await exportCatalogue(at("bundle-full"), { dataDir: at("full") });
    const url = await cluster.createDatabase();
    mkdirSync(at("pg-full"));
    copyFileSync(at("full", "secret.key"), at("pg-full", "secret.key"));
    await importCatalogue(at("bundle-full"), { dataDir: at("pg-full"), database: url });
    await exportCatalogue(at("bundle-full-2"), { dataDir: at("pg-full"), database: url });
    const [one, two] = await Promise.all([
      readManifest(at("bundle-full")),
      readManifest(at("bundle-full-2")),
    ]);
    assert.deepEqual(two.records, one.records);
    for (const spec of BUNDLE_TABLES) {
      assert.ok(one.records[spec.table]!.count > 0, spec.table);
      assert.ok(
        readFileSync(at("bundle-full", recordsFile(spec))).equals(
          readFileSync(at("bundle-full-2", recordsFile(spec))),
        ),
        spec.table,
      );
    }
  });
});
