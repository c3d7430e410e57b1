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
import type { PostgresDatabase, Row, Sql } from "./database.js";

/** pg_advisory_xact_lock key of the first start's admin account ("1adm"). */
const FIRST_ADMIN_LOCK = 0x3161646d;

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
    return this.db.transaction((tx) => this.#insert(tx, opts));
  }

  createFirstAdmin(): Promise<NewAccount | undefined> {
    return this.db.transaction(async (tx) => {
      // Nodes starting together on an empty database take turns here; the first creates the admin.
      await tx.run("SELECT pg_advisory_xact_lock($1)", [FIRST_ADMIN_LOCK]);
      if (await tx.row("SELECT 1 FROM accounts LIMIT 1")) return undefined;
      return this.#insert(tx, { admin: true });
    });
  }

  async secretKeyFits(): Promise<boolean> {
    const row = await this.db.row(
      "SELECT access_key_id, secret_sealed FROM access_keys ORDER BY created_at, access_key_id LIMIT 1",
    );
    if (!row) return true;
    try {
      this.secrets.open(row.secret_sealed as Buffer, row.access_key_id as string);
      return true;
    } catch {
      return false;
    }
  }

  async #insert(tx: Sql, opts: NewAccountOptions): Promise<NewAccount> {
    const account: Account = {
      accountId: opts.accountId ?? newAccountId(),
      ...(opts.alias !== undefined ? { alias: opts.alias } : {}),
      admin: opts.admin === true,
      createdAt: new Date().toISOString(),
      ...optional(opts.organization),
    };
    const accessKeyId = newAccessKeyId();
    const secretAccessKey = newSecretAccessKey();
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
