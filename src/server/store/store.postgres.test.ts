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
import { PostgresDatabase, StatementNames } from "./postgres/database.js";
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

  test("statements with parameters are prepared once per connection, and a schema change by another node does not break them", async () => {
    const url = await cluster.createDatabase();
    const { db } = await PostgresDatabase.open(url);
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    try {
      await db.run("INSERT INTO accounts (account_id, admin, created_at) VALUES ($1, false, $2)", [
        "111122223333",
        "t",
      ]);
      const read = () => db.rows("SELECT * FROM accounts WHERE account_id = $1", ["111122223333"]);
      const inTransaction = () =>
        db.transaction((tx) =>
          tx.rows("SELECT * FROM accounts WHERE account_id = $1 AND admin = $2", ["111122223333", false]),
        );
      assert.equal((await read()).length, 1);
      assert.equal((await inTransaction()).length, 1);
      const prepared = await db.transaction(async (tx) => {
        await tx.rows("SELECT * FROM accounts WHERE account_id = $1 AND admin = $2", ["111122223333", false]);
        return (await tx.rows("SELECT statement FROM pg_prepared_statements")).map((r) => r.statement);
      });
      assert.ok(
        prepared.includes("SELECT * FROM accounts WHERE account_id = $1 AND admin = $2"),
        "prepared on its connection",
      );
      // Another node's migration adds a column: the statements' cached plans no longer fit.
      await other.query("ALTER TABLE accounts ADD COLUMN later text");
      const [row] = await read();
      assert.ok(row && "later" in row, "read again with the new column");
      assert.equal((await inTransaction()).length, 1);
      assert.ok("later" in (await inTransaction())[0]!);
    } finally {
      await other.end();
      await db.close();
    }
  });

  test("AMIGATE_DATABASE_PREPARE=0 leaves statements unnamed; texts past the bound run unnamed too", () => {
    const off = new StatementNames(false);
    assert.equal(off.nameOf("SELECT $1", [1]), undefined);
    const names = new StatementNames(true, 2);
    assert.equal(names.nameOf("SELECT 1", []), undefined, "no parameters: nothing to reuse");
    const a = names.nameOf("SELECT $1", [1]);
    assert.ok(a);
    assert.equal(names.nameOf("SELECT $1", [2]), a);
    assert.ok(names.nameOf("SELECT $1 + 1", [1]));
    assert.equal(names.nameOf("SELECT $1 + 2", [1]), undefined);
    assert.equal(names.nameOf("SELECT $1", [3]), a, "known texts keep their names");
  });
});
