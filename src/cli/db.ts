import { createWriteStream, existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Command } from "commander";
import { dbStatus, defaultDbPath, importFile, openVulnDb } from "../vuln/db/index.js";
import { withStagedDb } from "../vuln/db/staged.js";
import { writeReport } from "./output.js";
import { checkRejudgeFlags, type RejudgeFlags, rejudgeOptions, requestRejudge } from "./rejudge-request.js";
import { formatOf, formatOption, jsonAliasOption, outputOption } from "./report-options.js";

/** Public feeds `db update` fetches: OSV per-ecosystem exports and the ALAS repo updateinfo. */
export const FEEDS: ReadonlyArray<{ name: string; url: string }> = [
  ...["Debian", "Ubuntu", "Alpine", "AlmaLinux", "Rocky Linux", "Red Hat", "SUSE"].map((e) => ({
    name: `osv-${e.replace(/ /g, "-")}.zip`,
    url: `https://osv-vulnerabilities.storage.googleapis.com/${encodeURIComponent(e)}/all.zip`,
  })),
  // Amazon Linux 2023 and 2 publish updateinfo in their repositories (mirror lists per region).
  {
    name: "alas2023-updateinfo.xml.gz",
    url: "https://cdn.amazonlinux.com/al2023/core/mirrors/latest/x86_64/mirror.list",
  },
  { name: "alas2-updateinfo.xml.gz", url: "https://cdn.amazonlinux.com/2/core/latest/x86_64/mirror.list" },
];

async function download(url: string, file: string): Promise<void> {
  const res = await fetch(url);
  if (!res.ok || !res.body) throw new Error(`${url}: HTTP ${res.status}`);
  await pipeline(
    Readable.fromWeb(res.body as import("node:stream/web").ReadableStream),
    createWriteStream(file),
  );
}

/** An Amazon Linux mirror.list names the repo base; updateinfo is found through repodata/repomd.xml. */
async function alasUpdateinfoUrl(mirrorList: string): Promise<string> {
  const base = (await (await fetch(mirrorList)).text()).trim().split("\n")[0]!.replace(/\/$/, "");
  const repomd = await (await fetch(`${base}/repodata/repomd.xml`)).text();
  const m = /<data type="updateinfo">[\s\S]*?<location href="([^"]+)"/.exec(repomd);
  if (!m) throw new Error(`${base}/repodata/repomd.xml: no updateinfo entry`);
  return `${base}/${m[1]}`;
}

export function registerDb(program: Command): void {
  const db = program.command("db").description("Build and inspect the local vulnerability database");
  const dbOption = "--db <path>";
  const dbHelp = "database file (default: $AMIGATE_DB, else the user cache directory)";

  rejudgeOptions(
    db
      .command("import")
      .description("Import OSV records (zip, JSON file or directory) and ALAS updateinfo.xml(.gz)")
      .argument("<files...>")
      .option(dbOption, dbHelp),
  ).action(async (files: string[], flags: { db?: string } & RejudgeFlags) => {
    checkRejudgeFlags(flags);
    const dbPath = defaultDbPath(flags.db);
    // All files or none: a failure leaves the previous database as it was.
    await withStagedDb(dbPath, async (handle) => {
      for (const f of files) {
        const r = await importFile(handle, f).catch((e: unknown) => {
          const existed = existsSync(dbPath)
            ? `${dbPath} left as it was`
            : `no database written at ${dbPath}`;
          throw new Error(`${f}: ${(e as Error).message} (nothing imported; ${existed})`);
        });
        process.stdout.write(
          `${r.source}: ${r.records} records (${r.kind}, ${r.skipped} skipped) in ${r.seconds.toFixed(1)} s\n`,
        );
      }
    });
    process.stdout.write(`${dbPath}\n`);
    await requestRejudge(flags, dbPath);
  });

  rejudgeOptions(
    db
      .command("update")
      .description("Fetch the OSV and ALAS feeds and import them (needs network)")
      .option(dbOption, dbHelp),
  ).action(async (flags: { db?: string } & RejudgeFlags) => {
    checkRejudgeFlags(flags);
    const dbPath = defaultDbPath(flags.db);
    const tmp = await mkdtemp(path.join(os.tmpdir(), "amigate-db-"));
    const failed: string[] = [];
    try {
      // Every feed is fetched first; the database changes only when all of them were imported.
      const files: Array<{ name: string; file: string }> = [];
      for (const feed of FEEDS) {
        const file = path.join(tmp, feed.name);
        try {
          const url = feed.url.endsWith("mirror.list") ? await alasUpdateinfoUrl(feed.url) : feed.url;
          await download(url, file);
          files.push({ name: feed.name, file });
        } catch (e) {
          process.stderr.write(`${feed.name}: ${(e as Error).message}\n`);
          failed.push(feed.name);
        }
      }
      if (failed.length > 0) {
        process.stderr.write(
          `amigate db update: ${dbPath} left as it was (${failed.length} feeds not fetched)\n`,
        );
        process.exitCode = 2;
        return;
      }
      await withStagedDb(dbPath, async (handle) => {
        for (const { name, file } of files) {
          const r = await importFile(handle, file);
          process.stdout.write(`${name}: ${r.records} records\n`);
        }
      });
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
    await requestRejudge(flags, dbPath);
  });

  db.command("status")
    .description("What the database holds, per ecosystem and release, and its age")
    .option(dbOption, dbHelp)
    .addOption(formatOption(["text", "json"], "text"))
    .addOption(outputOption())
    .addOption(jsonAliasOption())
    .action(async (flags: { db?: string; format: "text" | "json"; json?: boolean; output?: string }) => {
      const dbPath = defaultDbPath(flags.db);
      if (!existsSync(dbPath))
        throw new Error(
          `${dbPath}: no vulnerability database here yet; build one with \`amigate db update\` (online) or \`amigate db import FILE\``,
        );
      const handle = openVulnDb(dbPath, { readonly: true });
      let text: string;
      try {
        const s = dbStatus(handle);
        if (formatOf(flags) === "json") text = `${JSON.stringify({ path: dbPath, ...s }, null, 2)}\n`;
        else {
          const age = s.lastImport
            ? `${Math.floor((Date.now() - Date.parse(s.lastImport)) / 86_400_000)} days old`
            : "never imported";
          const lines = [`${dbPath}: ${s.advisories} advisories (${s.withdrawn} withdrawn), ${age}`];
          for (const e of s.ecosystems)
            lines.push(
              `  ${`${e.ecosystem}:${e.release}`.padEnd(24)} ${e.advisories} advisories, ${e.packages} packages`,
            );
          for (const i of s.imports)
            lines.push(
              `  import ${i.importedAt} ${i.source} (${i.kind}): ${i.records} records${i.newestModified ? `, newest ${i.newestModified}` : ""}`,
            );
          text = `${lines.join("\n")}\n`;
        }
      } finally {
        handle.close();
      }
      await writeReport(text, flags.output);
    });
}
