/** Accounts and their access keys (secrets sealed by the SecretBox). */
import { newAccessKeyId, newAccountId, newSecretAccessKey } from "../../ids.js";
import { checkMembership, membershipOf, ouPathText } from "../organizations.js";
import type { SecretBox } from "../secret-box.js";
import type {
  Account,
  AccountStore,
  AuditRecord,
  NewAccount,
  NewAccountOptions,
  OrganizationMembership,
} from "../types.js";
import type { PostgresAuditLog } from "./audit.js";
import type { PostgresDatabase, Row } from "./database.js";

function accountOf(row: Row): Account {
  return {
    accountId: row.account_id as string,
    ...(row.alias != null ? { alias: row.alias as string } : {}),
    admin: row.admin === true,
    createdAt: row.created_at as string,
    ...optional(membershipOf(row.organization_id, row.ou_path)),
  };
}

const optional = (organization: OrganizationMembership | undefined) =>
  organization !== undefined ? { organization } : {};

export class PostgresAccounts implements AccountStore {
  constructor(
    private readonly db: PostgresDatabase,
    private readonly secrets: SecretBox,
    private readonly log: PostgresAuditLog,
  ) {}

  async createAccount(opts: NewAccountOptions): Promise<NewAccount> {
    if (opts.organization) checkMembership(opts.organization);
    const account: Account = {
      accountId: opts.accountId ?? newAccountId(),
      ...(opts.alias !== undefined ? { alias: opts.alias } : {}),
      admin: opts.admin === true,
      createdAt: new Date().toISOString(),
      ...optional(opts.organization),
    };
    const accessKeyId = newAccessKeyId();
    const secretAccessKey = newSecretAccessKey();
    await this.db.transaction(async (tx) => {
      await tx.run(
        `INSERT INTO accounts (account_id, alias, admin, created_at, organization_id, ou_path)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [
          account.accountId,
          account.alias ?? null,
          account.admin,
          account.createdAt,
          account.organization?.organizationId ?? null,
          ouPathText(account.organization?.ouPath ?? []),
        ],
      );
      await tx.run("INSERT INTO access_keys VALUES ($1, $2, $3, $4)", [
        accessKeyId,
        account.accountId,
        this.secrets.seal(secretAccessKey, accessKeyId),
        account.createdAt,
      ]);
    });
    return { account, accessKeyId, secretAccessKey };
  }

  async account(accountId: string): Promise<Account | undefined> {
    const row = await this.db.row("SELECT * FROM accounts WHERE account_id = $1", [accountId]);
    return row && accountOf(row);
  }

  async accountByAlias(alias: string): Promise<Account | undefined> {
    const row = await this.db.row("SELECT * FROM accounts WHERE alias = $1", [alias]);
    return row && accountOf(row);
  }

  async accounts(): Promise<Account[]> {
    return (await this.db.rows("SELECT * FROM accounts ORDER BY created_at, account_id")).map(accountOf);
  }

  async accessKey(accessKeyId: string): Promise<{ accountId: string; secretAccessKey: string } | undefined> {
    const row = await this.db.row(
      "SELECT account_id, secret_sealed FROM access_keys WHERE access_key_id = $1",
      [accessKeyId],
    );
    if (!row) return undefined;
    return {
      accountId: row.account_id as string,
      secretAccessKey: this.secrets.open(row.secret_sealed as Buffer, accessKeyId),
    };
  }

  async setOrganization(
    accountId: string,
    organization: OrganizationMembership | undefined,
    audit?: AuditRecord,
  ): Promise<void> {
    if (organization) checkMembership(organization);
    await this.log.write(audit, (tx) =>
      tx.run("UPDATE accounts SET organization_id = $1, ou_path = $2 WHERE account_id = $3", [
        organization?.organizationId ?? null,
        ouPathText(organization?.ouPath ?? []),
        accountId,
      ]),
    );
  }
}
