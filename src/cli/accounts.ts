import type { Command } from "commander";
import { openDatabase } from "../server/database.js";
import { RESERVED_ALIASES } from "../server/ec2/describe-images.js";
import { ServerSetupError } from "../server/errors.js";
import { ACCOUNT_ID } from "../server/ids.js";
import { checkMembership, MembershipError } from "../server/store/organizations.js";
import type { OrganizationMembership } from "../server/store/types.js";
import { databaseOption, dataDirOption } from "./server-options.js";

/**
 * --organization o-… [--ou ou-…/ou-…] as a membership: the OU is given as the path of OU ids from
 * the root down (an OU ARN reaches the accounts in that OU and in the OUs below it).
 */
function membershipFlags(flags: { organization?: string; ou?: string }): OrganizationMembership | undefined {
  if (flags.organization === undefined) {
    if (flags.ou !== undefined) throw new ServerSetupError("--ou needs --organization");
    return undefined;
  }
  const m = { organizationId: flags.organization, ouPath: flags.ou ? flags.ou.split("/") : [] };
  try {
    checkMembership(m);
  } catch (e) {
    if (e instanceof MembershipError) throw new ServerSetupError(e.message);
    throw e;
  }
  return m;
}

const membershipText = (m: OrganizationMembership | undefined) =>
  m ? [m.organizationId, ...m.ouPath].join("/") : "-";

interface CreateFlags {
  alias?: string;
  organization?: string;
  ou?: string;
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
    .option("--organization <o-id>", "the account is in this organization (o-…)")
    .option("--ou <ou-path>", "…and in this OU: OU ids from the root down, ou-…/ou-…")
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
      const organization = membershipFlags(flags);
      const store = await openDatabase(flags.dataDir, flags.database);
      try {
        if (flags.alias !== undefined && (await store.accountByAlias(flags.alias)))
          throw new ServerSetupError(`alias ${flags.alias} is taken`);
        const created = await store.createAccount({
          ...(flags.alias !== undefined ? { alias: flags.alias } : {}),
          admin: flags.admin === true,
          ...(organization ? { organization } : {}),
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
    .description("List accounts (ids, aliases, organization/OU path; never secrets)")
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
              : `${a.accountId}\t${a.alias ?? "-"}\t${membershipText(a.organization)}\t${a.admin ? "admin" : ""}\n`,
          );
      } finally {
        await store.close();
      }
    });
  accounts
    .command("organization")
    .description("Move an account into an organization and OU, or out of any (--none)")
    .argument("<account-id>", "the 12-digit account id")
    .option("--organization <o-id>", "the organization (o-…)")
    .option("--ou <ou-path>", "the OU: OU ids from the root down, ou-…/ou-…")
    .option("--none", "the account leaves its organization")
    .addOption(dataDirOption())
    .addOption(databaseOption())
    .action(
      async (
        accountId: string,
        flags: { organization?: string; ou?: string; none?: boolean; dataDir: string; database?: string },
      ) => {
        if (!ACCOUNT_ID.test(accountId))
          throw new ServerSetupError(`${accountId} is not a 12-digit account id`);
        const organization = membershipFlags(flags);
        if ((organization === undefined) === (flags.none !== true))
          throw new ServerSetupError("give --organization (and --ou) or --none");
        const store = await openDatabase(flags.dataDir, flags.database);
        try {
          if (!(await store.account(accountId))) throw new ServerSetupError(`no account ${accountId}`);
          await store.setOrganization(accountId, organization);
          process.stdout.write(`account ${accountId}: ${membershipText(organization)}\n`);
        } finally {
          await store.close();
        }
      },
    );
}
