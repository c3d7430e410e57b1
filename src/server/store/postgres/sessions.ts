/** Console sessions: one row per sign-in, keyed by the SHA-256 of the browser's token. */
import type { AuditRecord, ConsoleSession, SessionStore } from "../types.js";
import type { PostgresAuditLog } from "./audit.js";
import type { PostgresDatabase, Row } from "./database.js";

function sessionOf(row: Row): ConsoleSession {
  return {
    tokenHash: row.token_hash as string,
    accountId: row.account_id as string,
    accessKeyId: row.access_key_id as string,
    csrfToken: row.csrf_token as string,
    createdAt: row.created_at as string,
    lastSeenAt: row.last_seen_at as string,
    expiresAt: row.expires_at as string,
  };
}

export class PostgresSessions implements SessionStore {
  constructor(
    private readonly db: PostgresDatabase,
    private readonly log: PostgresAuditLog,
  ) {}

  async createSession(s: ConsoleSession, audit?: AuditRecord): Promise<void> {
    await this.log.write(audit, (tx) =>
      tx.run("INSERT INTO console_sessions VALUES ($1, $2, $3, $4, $5, $6, $7)", [
        s.tokenHash,
        s.accountId,
        s.accessKeyId,
        s.csrfToken,
        s.createdAt,
        s.lastSeenAt,
        s.expiresAt,
      ]),
    );
  }

  async session(tokenHash: string): Promise<ConsoleSession | undefined> {
    const row = await this.db.row("SELECT * FROM console_sessions WHERE token_hash = $1", [tokenHash]);
    return row && sessionOf(row);
  }

  async touchSession(tokenHash: string, lastSeenAt: string): Promise<void> {
    await this.db.run("UPDATE console_sessions SET last_seen_at = $1 WHERE token_hash = $2", [
      lastSeenAt,
      tokenHash,
    ]);
  }

  async deleteSession(tokenHash: string, audit?: AuditRecord): Promise<void> {
    await this.log.write(audit, (tx) =>
      tx.run("DELETE FROM console_sessions WHERE token_hash = $1", [tokenHash]),
    );
  }

  async deleteExpiredSessions(now: string, idleBefore: string): Promise<number> {
    return this.db.run("DELETE FROM console_sessions WHERE expires_at <= $1 OR last_seen_at < $2", [
      now,
      idleBefore,
    ]);
  }
}
