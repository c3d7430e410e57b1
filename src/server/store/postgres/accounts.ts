/** Accounts and their access keys (secrets sealed by the SecretBox). */
import { newAccessKeyId, newAccountId, newSecretAccessKey } from "../../ids.js";
import type { SecretBox } from "../secret-box.js";
import type { Account, AccountStore, NewAccount } from "../types.js";
import type { PostgresDatabase, Row } from "./database.js";

function accountOf(row: Row): Account {
  return {
    accountId: row.account_id as string,
    ...(row.alias != null ? { alias: row.alias as string } : {}),
    admin: row.admin === true,
    createdAt: row.created_at as string,
  };
}

export class PostgresAccounts implements AccountStore {
  constructor(
    private readonly db: PostgresDatabase,
    private readonly secrets: SecretBox,
  ) {}

  async createAccount(opts: { alias?: string; admin?: boolean; accountId?: string }): Promise<NewAccount> {
    const account: Account = {
      accountId: opts.accountId ?? newAccountId(),
      ...(opts.alias !== undefined ? { alias: opts.alias } : {}),
      admin: opts.admin === true,
      createdAt: new Date().toISOString(),
    };
    const accessKeyId = newAccessKeyId();
    const secretAccessKey = newSecretAccessKey();
    await this.db.transaction(async (tx) => {
      await tx.run("INSERT INTO accounts VALUES ($1, $2, $3, $4)", [
        account.accountId,
        account.alias ?? null,
        account.admin,
        account.createdAt,
      ]);
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
}
