/**
 * Catalogue bundles on SQLite and a local folder: every table is carried (or skipped on purpose),
 * export → import → export gives the same bundle byte for byte, and a bundle that was damaged,
 * altered or cut short is refused with one line naming the file, leaving the target empty.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  appendFileSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { EXTRA_SCANS, fillCatalogue, GRANTS_PER_IMAGE } from "../../../../test/support/bundle-catalogue.js";
import { openStore } from "../../catalogue.js";
import { BundleError, exportCatalogue, importCatalogue } from "../../catalogue-bundle.js";
import { FolderBlobStore } from "../blobs.js";
import { MIGRATIONS } from "../migrations.js";
import { blobFile, readManifest } from "./manifest.js";
import { SqliteTables } from "./sqlite-tables.js";
import { BUNDLE_TABLES, recordsFile, SKIPPED_TABLES } from "./tables.js";

const MAIN = path.resolve(import.meta.dirname, "../../../cli/main.ts");
const root = mkdtempSync(path.join(os.tmpdir(), "amigate-bundle-"));
const at = (...p: string[]) => path.join(root, ...p);
let source: Awaited<ReturnType<typeof fillCatalogue>>;

/** A new data dir holding the source's secret.key (what the docs tell an operator to do). */
function targetDir(name: string): string {
  const dir = at(name);
  mkdirSync(dir);
  copyFileSync(at("source", "secret.key"), path.join(dir, "secret.key"));
  return dir;
}

/** A copy of the good bundle to damage. */
function bundleCopy(name: string): string {
  cpSync(at("bundle"), at(name), { recursive: true });
  return at(name);
}

async function rowsIn(dataDir: string): Promise<string | undefined> {
  const tables = new SqliteTables(path.join(dataDir, "catalogue.db"));
  try {
    return await tables.firstNonEmpty();
  } finally {
    await tables.close();
  }
}

/** Imports `bundle` into a fresh target; the BundleError's message, after checking nothing was kept. */
async function refused(bundle: string, name: string): Promise<string> {
  const dir = targetDir(name);
  const err = await importCatalogue(bundle, { dataDir: dir }).then(
    () => assert.fail("import succeeded"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof BundleError, String(err));
  assert.doesNotMatch(err.message, /\n/);
  assert.equal(await rowsIn(dir), undefined, "a refused import leaves no rows");
  return err.message;
}

before(async () => {
  const store = openStore(at("source"));
  source = await fillCatalogue(store, new FolderBlobStore(at("source", "blobs")));
  await store.close();
  await exportCatalogue(at("bundle"), { dataDir: at("source") });
});
after(() => rmSync(root, { recursive: true, force: true }));

describe("a catalogue bundle", () => {
  test("carries every table and column of the schema, or says why it leaves one out", async () => {
    const tables = new SqliteTables(at("source", "catalogue.db"));
    const schema = await tables.schemaColumns();
    await tables.close();
    const carried = Object.fromEntries(BUNDLE_TABLES.map((s) => [s.table, Object.keys(s.columns).sort()]));
    const actual = Object.fromEntries(
      Object.entries(schema)
        .filter(([t]) => !Object.hasOwn(SKIPPED_TABLES, t))
        .map(([t, columns]) => [t, [...columns].sort()]),
    );
    assert.deepEqual(actual, carried);
    for (const skipped of Object.keys(SKIPPED_TABLES)) assert.ok(schema[skipped], `${skipped} is a table`);
  });

  test("has a row in every table of the test catalogue, and every blob named by its digest", async () => {
    const m = await readManifest(at("bundle"));
    for (const spec of BUNDLE_TABLES) assert.ok(m.records[spec.table]!.count > 0, `${spec.table} is empty`);
    // Read in pages: every row once, in key order.
    assert.equal(m.records.launch_permissions!.count, 2 * GRANTS_PER_IMAGE + 2);
    assert.equal(m.records.scans!.count, EXTRA_SCANS + 2);
    const grants = readFileSync(at("bundle", "records/launch_permissions.jsonl"), "utf8")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as { image_id: string; kind: string; value: string })
      .map((g) => `${g.image_id} ${g.kind} ${g.value}`);
    assert.deepEqual(grants, [...new Set(grants)].sort());
    assert.deepEqual(
      m.blobs,
      [...source.blobs].sort((a, b) => (a.sha256 < b.sha256 ? -1 : 1)),
    );
    assert.deepEqual(
      readdirSync(at("bundle", "blobs", "sha256")).sort(),
      m.blobs.map((b) => b.sha256),
    );
    assert.equal(m.schemaVersion, MIGRATIONS.length);
    assert.doesNotMatch(readFileSync(at("bundle", recordsFile(BUNDLE_TABLES[0]!)), "utf8"), /secret\.key/);
  });

  test("export → import → export is the same bundle, and ids continue past the imported ones", async () => {
    const dir = targetDir("roundtrip");
    const summary = await importCatalogue(at("bundle"), { dataDir: dir });
    assert.equal(summary.blobs, source.blobs.length);
    await exportCatalogue(at("again"), { dataDir: dir });
    for (const spec of BUNDLE_TABLES)
      assert.ok(
        readFileSync(at("again", recordsFile(spec))).equals(readFileSync(at("bundle", recordsFile(spec)))),
        spec.table,
      );
    const [one, two] = [await readManifest(at("bundle")), await readManifest(at("again"))];
    assert.deepEqual({ ...two, exportedAt: "" }, { ...one, exportedAt: "" });
    for (const b of one.blobs)
      assert.ok(readFileSync(path.join(dir, "blobs", b.sha256.slice(0, 2), b.sha256)).length === b.size);

    const store = openStore(dir);
    try {
      assert.equal(await store.secretKeyFits(), true);
      const next = await store.createScan(source.imageIds[0]!);
      assert.equal(next.scanId, one.records.scans!.count + 1);
      assert.equal((await store.launchPermissions(source.imageIds[0]!)).length, GRANTS_PER_IMAGE + 2);
    } finally {
      await store.close();
    }
  });

  test("a blob whose bytes are not its name is refused, naming the file", async () => {
    const bundle = bundleCopy("tampered");
    const victim = (await readManifest(bundle)).blobs[1]!.sha256;
    const file = path.join(bundle, blobFile(victim));
    const bytes = readFileSync(file);
    bytes[100] = (bytes[100] ?? 0) ^ 1;
    writeFileSync(file, bytes);
    const message = await refused(bundle, "t-tampered");
    assert.match(message, new RegExp(`blobs/sha256/${victim}: its content's SHA-256 is not its name`));
  });

  test("a missing blob is refused, naming the file", async () => {
    const bundle = bundleCopy("missing");
    const victim = (await readManifest(bundle)).blobs[0]!.sha256;
    rmSync(path.join(bundle, blobFile(victim)));
    assert.match(await refused(bundle, "t-missing"), new RegExp(`blobs/sha256/${victim}: missing`));
  });

  test("a records file cut inside a line is refused, naming the file and line", async () => {
    const bundle = bundleCopy("cut");
    const file = path.join(bundle, "records/images.jsonl");
    truncateSync(file, readFileSync(file).length - 20);
    assert.match(
      await refused(bundle, "t-cut"),
      /records\/images\.jsonl line 2: no newline at its end \(the file is truncated\)/,
    );
  });

  test("a records file cut at a line's end fails its count; an edited row fails its digest", async () => {
    const cut = bundleCopy("short");
    const tags = path.join(cut, "records/tags.jsonl");
    const lines = readFileSync(tags, "utf8").split("\n");
    writeFileSync(tags, `${lines.slice(0, -2).join("\n")}\n`);
    assert.match(await refused(cut, "t-short"), /records\/tags\.jsonl: \d+ rows, the manifest says \d+/);

    const edited = bundleCopy("edited");
    const accounts = path.join(edited, "records/accounts.jsonl");
    writeFileSync(accounts, readFileSync(accounts, "utf8").replace('"admin":true', '"admin":false'));
    assert.match(
      await refused(edited, "t-edited"),
      /records\/accounts\.jsonl: SHA-256 [0-9a-f]{64} differs from the manifest's/,
    );
  });

  test("a line that is not JSON, or not a row of its table, is refused with its line number", async () => {
    const garbage = bundleCopy("garbage");
    appendFileSync(path.join(garbage, "records/launch_permissions.jsonl"), "{not json\n");
    assert.match(
      await refused(garbage, "t-garbage"),
      /records\/launch_permissions\.jsonl line \d+: not JSON/,
    );

    const wrong = bundleCopy("wrong");
    appendFileSync(path.join(wrong, "records/scans.jsonl"), '{"scan_id":"seven"}\n');
    assert.match(
      await refused(wrong, "t-wrong"),
      new RegExp(
        `records/scans\\.jsonl line ${EXTRA_SCANS + 3}: not a row of scans: scan_id must be a whole number or null$`,
      ),
    );
  });

  test("a folder without a manifest, another format or another schema version is refused", async () => {
    const bare = bundleCopy("bare");
    rmSync(path.join(bare, "manifest.json"));
    assert.match(await refused(bare, "t-bare"), /is not a catalogue bundle: no readable manifest\.json/);
    const edit = (name: string, change: Record<string, unknown>) => {
      const dir = bundleCopy(name);
      const file = path.join(dir, "manifest.json");
      writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, "utf8")), ...change }));
      return dir;
    };
    assert.match(
      await refused(edit("format", { formatVersion: 2 }), "t-format"),
      /manifest\.json: bundle format 2; this amigate reads format 1$/,
    );
    assert.match(
      await refused(edit("schema", { schemaVersion: MIGRATIONS.length - 1 }), "t-schema"),
      new RegExp(
        `rows follow schema version ${MIGRATIONS.length - 1} \\(amigate .*\\), SQLite .* is at ${MIGRATIONS.length}`,
      ),
    );
  });

  test("the target needs the source's secret.key, and must be empty", async () => {
    const noKey = at("t-nokey");
    assert.match(
      await importCatalogue(at("bundle"), { dataDir: noKey }).then(
        () => "imported",
        (e: Error) => e.message,
      ),
      /t-nokey\/secret\.key does not exist: the bundle's access keys are sealed/,
    );
    assert.equal(await rowsIn(noKey), undefined);

    const other = at("t-otherkey");
    mkdirSync(other);
    writeFileSync(path.join(other, "secret.key"), `${Buffer.alloc(32, 7).toString("base64")}\n`, {
      mode: 0o600,
    });
    assert.match(
      await importCatalogue(at("bundle"), { dataDir: other }).then(
        () => "imported",
        (e: Error) => e.message,
      ),
      /access_keys\.jsonl line 1: .*t-otherkey\/secret\.key does not open access key AKIA/,
    );
    assert.equal(await rowsIn(other), undefined);

    assert.match(
      await importCatalogue(at("bundle"), { dataDir: at("source") }).then(
        () => "imported",
        (e: Error) => e.message,
      ),
      /catalogue\.db is not empty \(accounts has rows\): import only into a new catalogue/,
    );
  });

  test("an export that cannot read a blob fails naming it and leaves no bundle behind", async () => {
    cpSync(at("source"), at("damaged-source"), { recursive: true });
    const victim = source.blobs[0]!.sha256;
    rmSync(at("damaged-source", "blobs", victim.slice(0, 2), victim));
    await assert.rejects(exportCatalogue(at("half"), { dataDir: at("damaged-source") }), (e: Error) => {
      assert.ok(e instanceof BundleError);
      assert.match(
        e.message,
        new RegExp(`^blob ${victim} is in the catalogue's blobs table but not in its blob store`),
      );
      return true;
    });
    assert.equal(existsSync(at("half")), false);
  });

  test("export refuses a folder that is not empty; the CLI says why in one line and exits 2", () => {
    writeFileSync(at("occupied"), "");
    const cli = (args: string[]) =>
      spawnSync(process.execPath, ["--import", "tsx", MAIN, ...args], {
        encoding: "utf8",
        env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" },
      });
    const exported = cli(["export", at("bundle"), "--data-dir", at("source")]);
    assert.equal(exported.status, 2);
    assert.equal(
      exported.stderr,
      `amigate export: ${at("bundle")} exists and is not empty: export writes a new bundle into a new or empty folder\n`,
    );
    const bundle = bundleCopy("cli-tampered");
    const victim = readdirSync(path.join(bundle, "blobs/sha256"))[0]!;
    appendFileSync(path.join(bundle, "blobs/sha256", victim), "x");
    const imported = cli(["import", bundle, "--data-dir", targetDir("t-cli")]);
    assert.equal(imported.status, 2);
    assert.equal(
      imported.stderr,
      `amigate import: ${path.join(bundle, "blobs/sha256", victim)}: its content's SHA-256 is not its name (damaged or altered)\n`,
    );
  });
});
