import type { Command } from "commander";
import { databaseOf, describeDatabase, migrateDatabase } from "../server/database.js";
import { databaseOption, dataDirOption } from "./server-options.js";

interface MigrateFlags {
  dataDir: string;
  database?: string;
  json?: boolean;
}

export function registerMigrate(program: Command): void {
  program
    .command("migrate")
    .description(
      "Bring the catalogue's database schema up to date (serve does it too); safe while other nodes start",
    )
    .addOption(databaseOption())
    .addOption(dataDirOption())
    .option("--json", 'print {"database","version","applied"}')
    .action(async (flags: MigrateFlags) => {
      const db = describeDatabase(databaseOf(flags.dataDir, flags.database));
      const { version, applied } = await migrateDatabase(flags.dataDir, flags.database);
      process.stdout.write(
        flags.json
          ? JSON.stringify({ database: db, version, applied }) + "\n"
          : `amigate migrate: ${db}: schema version ${version}` +
              (applied.length > 0 ? ` (applied ${applied.join(", ")})\n` : " (up to date)\n"),
      );
    });
}
