/**
 * The store contract (test/support/store-contract.ts) on a real PostgreSQL: a throwaway cluster
 * for this file (test/support/postgres.ts), a database per test; plus what only PostgreSQL has,
 * migrations that two nodes may start at once.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import {
  type PostgresCluster,
  postgresMissing,
  postgresStores,
  startPostgres,
} from "../../../test/support/postgres.js";
import { storeContract } from "../../../test/support/store-contract.js";
import { lifecycleContract } from "../../../test/support/store-lifecycle-contract.js";
import { uploadSessionContract } from "../../../test/support/upload-session-contract.js";
import { MIGRATIONS } from "./migrations.js";
import { PostgresDatabase } from "./postgres/database.js";
import { PG_MIGRATIONS } from "./postgres/migrations.js";

const missing = postgresMissing();
let cluster: PostgresCluster;

describe("PostgreSQL store", { skip: missing }, () => {
  before(async () => {
    cluster = await startPostgres();
  });
  after(() => cluster?.stop());

  storeContract(postgresStores(() => cluster));
  lifecycleContract(postgresStores(() => cluster));
  uploadSessionContract(postgresStores(() => cluster));

  test("each SQLite migration has its PostgreSQL counterpart (same number, same meaning)", () => {
    assert.equal(
      PG_MIGRATIONS.length,
      MIGRATIONS.length,
      "add the missing one to store/postgres/migrations.ts",
    );
  });

  test("two nodes migrating a new database at once: each version applied once, then nothing to do", async () => {
    const url = await cluster.createDatabase();
    const opened = await Promise.all([1, 2, 3].map(() => PostgresDatabase.open(url)));
    try {
      const applied = opened.map((o) => o.migrated.applied);
      assert.deepEqual(
        applied.flat().sort((a, b) => a - b),
        PG_MIGRATIONS.map((_, i) => i + 1),
      );
      assert.deepEqual(
        opened.map((o) => o.migrated.version),
        [PG_MIGRATIONS.length, PG_MIGRATIONS.length, PG_MIGRATIONS.length],
      );
      assert.deepEqual(await opened[0]!.db.migrate(), { version: PG_MIGRATIONS.length, applied: [] });
      const rows = await opened[0]!.db.rows("SELECT version FROM migrations ORDER BY version");
      assert.deepEqual(
        rows.map((r) => r.version),
        PG_MIGRATIONS.map((_, i) => i + 1),
      );
    } finally {
      for (const o of opened) await o.db.close();
    }
  });

  test("a database migrated by a newer amigate is refused, naming both versions", async () => {
    const url = await cluster.createDatabase();
    await (await PostgresDatabase.open(url)).db.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query("INSERT INTO migrations VALUES ($1, 'later')", [PG_MIGRATIONS.length + 1]);
    await client.end();
    await assert.rejects(PostgresDatabase.open(url), {
      name: "ServerSetupError",
      message: new RegExp(
        `schema is version ${PG_MIGRATIONS.length + 1}, newer than this amigate knows \\(${PG_MIGRATIONS.length}\\)`,
      ),
    });
  });

  test("an unreachable database is a setup error naming the URL without its password", async () => {
    await assert.rejects(
      PostgresDatabase.open(`postgres://amigate:hunter2@127.0.0.1:1/amigate`),
      (e: Error) => {
        assert.equal(e.name, "ServerSetupError");
        assert.match(e.message, /^database postgres:\/\/amigate:\*\*\*@127\.0\.0\.1:1\/amigate: /);
        assert.doesNotMatch(e.message, /hunter2/);
        return true;
      },
    );
  });
});
