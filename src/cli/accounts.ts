import type { Command } from "commander";
import { openDatabase } from "../server/database.js";
import { RESERVED_ALIASES } from "../server/ec2/describe-images.js";
import { ServerSetupError } from "../server/errors.js";
import { databaseOption, dataDirOption } from "./server-options.js";

interface CreateFlags {
  alias?: string;
  dataDir: string;
  database?: string;
  json?: boolean;
  system?: boolean;
  admin?: boolean;
}

export function registerAccounts(program: Command): void {
  const accounts = program
    .command("accounts")
    .description("Manage catalogue accounts (works while `serve` runs)");
  accounts
    .command("create")
    .description("Create an account and print its access key (the secret is shown only once)")
    .option("--alias <name>", "a label for the account; amazon / aws-marketplace need --system")
    .option("--system", "a system owner: its alias becomes the images' imageOwnerAlias (admin only)")
    .option("--admin", "the account may register images from any uploader's blobs")
    .option("--json", 'print {"accountId","accessKeyId","secretAccessKey"}')
    .addOption(dataDirOption())
    .addOption(databaseOption())
    .action(async (flags: CreateFlags) => {
      const reserved =
        flags.alias !== undefined && (RESERVED_ALIASES as readonly string[]).includes(flags.alias);
      // FND-2: users cannot alias an owner; only the admin-seeded system owners carry amazon / aws-marketplace.
      if (reserved && !flags.system)
        throw new ServerSetupError(`alias ${flags.alias} is reserved for system owners (--system)`);
      if (flags.system && !reserved)
        throw new ServerSetupError(`--system needs a reserved alias: ${RESERVED_ALIASES.join(", ")}`);
      const store = await openDatabase(flags.dataDir, flags.database);
      try {
        if (flags.alias !== undefined && (await store.accountByAlias(flags.alias)))
          throw new ServerSetupError(`alias ${flags.alias} is taken`);
        const created = await store.createAccount({
          ...(flags.alias !== undefined ? { alias: flags.alias } : {}),
          admin: flags.admin === true,
        });
        const out = {
          accountId: created.account.accountId,
          accessKeyId: created.accessKeyId,
          secretAccessKey: created.secretAccessKey,
        };
        process.stdout.write(
          flags.json
            ? JSON.stringify(out) + "\n"
            : `account ${out.accountId}${flags.alias ? ` (${flags.alias})` : ""}\n` +
                `  AWS_ACCESS_KEY_ID=${out.accessKeyId}\n  AWS_SECRET_ACCESS_KEY=${out.secretAccessKey}\n`,
        );
      } finally {
        await store.close();
      }
    });
  accounts
    .command("list")
    .description("List accounts (ids, aliases; never secrets)")
    .option("--json", "JSON lines")
    .addOption(dataDirOption())
    .addOption(databaseOption())
    .action(async (flags: { dataDir: string; database?: string; json?: boolean }) => {
      const store = await openDatabase(flags.dataDir, flags.database);
      try {
        for (const a of await store.accounts())
          process.stdout.write(
            flags.json
              ? JSON.stringify(a) + "\n"
              : `${a.accountId}\t${a.alias ?? "-"}\t${a.admin ? "admin" : ""}\n`,
          );
      } finally {
        await store.close();
      }
    });
}
