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
import type { SqliteAuditLog } from "./audit.js";
import type { Row, SqliteDatabase } from "./database.js";

function accountOf(row: Row): Account {
  return {
    accountId: row.account_id as string,
    ...(row.alias != null ? { alias: row.alias as string } : {}),
    admin: row.admin === 1,
    createdAt: row.created_at as string,
    ...optional(membershipOf(row.organization_id, row.ou_path)),
  };
}

const optional = (organization: OrganizationMembership | undefined) =>
  organization !== undefined ? { organization } : {};

export class SqliteAccounts implements AccountStore {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly secrets: SecretBox,
    private readonly log: SqliteAuditLog,
  ) {}

  async createAccount(opts: NewAccountOptions): Promise<NewAccount> {
    if (opts.organization) checkMembership(opts.organization);
    return this.db.transaction(() => this.#insert(opts));
  }

  async createFirstAdmin(): Promise<NewAccount | undefined> {
    // An immediate transaction: another process opening the same file waits for this one.
    return this.db.transaction(() =>
      this.db.stmt("SELECT 1 FROM accounts LIMIT 1").get() ? undefined : this.#insert({ admin: true }),
    );
  }

  async secretKeyFits(): Promise<boolean> {
    const row = this.db
      .stmt("SELECT access_key_id, secret_sealed FROM access_keys ORDER BY created_at, access_key_id LIMIT 1")
      .get() as Row | undefined;
    if (!row) return true;
    try {
      this.secrets.open(row.secret_sealed as Buffer, row.access_key_id as string);
      return true;
    } catch {
      return false;
    }
  }

  /** Inserts an account and its first key (inside the caller's transaction). */
  #insert(opts: NewAccountOptions): NewAccount {
    const account: Account = {
      accountId: opts.accountId ?? newAccountId(),
      ...(opts.alias !== undefined ? { alias: opts.alias } : {}),
      admin: opts.admin === true,
      createdAt: new Date().toISOString(),
      ...optional(opts.organization),
    };
    const accessKeyId = newAccessKeyId();
    const secretAccessKey = newSecretAccessKey();
    this.db
      .stmt(
        `INSERT INTO accounts (account_id, alias, admin, created_at, organization_id, ou_path)
         VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(
        account.accountId,
        account.alias ?? null,
        account.admin ? 1 : 0,
        account.createdAt,
        account.organization?.organizationId ?? null,
        ouPathText(account.organization?.ouPath ?? []),
      );
    this.db
      .stmt("INSERT INTO access_keys VALUES (?, ?, ?, ?)")
      .run(
        accessKeyId,
        account.accountId,
        this.secrets.seal(secretAccessKey, accessKeyId),
        account.createdAt,
      );
    return { account, accessKeyId, secretAccessKey };
  }

  async account(accountId: string): Promise<Account | undefined> {
    const row = this.db.stmt("SELECT * FROM accounts WHERE account_id = ?").get(accountId) as Row | undefined;
    return row && accountOf(row);
  }

  async accountByAlias(alias: string): Promise<Account | undefined> {
    const row = this.db.stmt("SELECT * FROM accounts WHERE alias = ?").get(alias) as Row | undefined;
    return row && accountOf(row);
  }

  async accounts(): Promise<Account[]> {
    return (this.db.stmt("SELECT * FROM accounts ORDER BY created_at").all() as Row[]).map(accountOf);
  }

  async accessKey(accessKeyId: string): Promise<{ accountId: string; secretAccessKey: string } | undefined> {
    const row = this.db
      .stmt("SELECT account_id, secret_sealed FROM access_keys WHERE access_key_id = ?")
      .get(accessKeyId) as Row | undefined;
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
    this.log.write(audit, () => {
      this.db
        .stmt("UPDATE accounts SET organization_id = ?, ou_path = ? WHERE account_id = ?")
        .run(organization?.organizationId ?? null, ouPathText(organization?.ouPath ?? []), accountId);
    });
  }
}
