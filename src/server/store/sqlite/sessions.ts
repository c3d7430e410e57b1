/** Console sessions: one row per sign-in, keyed by the SHA-256 of the browser's token. */
import type { AuditRecord, ConsoleSession, SessionStore } from "../types.js";
import type { SqliteAuditLog } from "./audit.js";
import type { Row, SqliteDatabase } from "./database.js";

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

export class SqliteSessions implements SessionStore {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly log: SqliteAuditLog,
  ) {}

  async createSession(s: ConsoleSession, audit?: AuditRecord): Promise<void> {
    this.log.write(audit, () => {
      this.db
        .stmt("INSERT INTO console_sessions VALUES (?, ?, ?, ?, ?, ?, ?)")
        .run(s.tokenHash, s.accountId, s.accessKeyId, s.csrfToken, s.createdAt, s.lastSeenAt, s.expiresAt);
    });
  }

  async session(tokenHash: string): Promise<ConsoleSession | undefined> {
    const row = this.db.stmt("SELECT * FROM console_sessions WHERE token_hash = ?").get(tokenHash) as
      | Row
      | undefined;
    return row && sessionOf(row);
  }

  async touchSession(tokenHash: string, lastSeenAt: string): Promise<void> {
    this.db
      .stmt("UPDATE console_sessions SET last_seen_at = ? WHERE token_hash = ?")
      .run(lastSeenAt, tokenHash);
  }

  async deleteSession(tokenHash: string, audit?: AuditRecord): Promise<void> {
    this.log.write(audit, () => {
      this.db.stmt("DELETE FROM console_sessions WHERE token_hash = ?").run(tokenHash);
    });
  }

  async deleteExpiredSessions(now: string, idleBefore: string): Promise<number> {
    return this.db
      .stmt("DELETE FROM console_sessions WHERE expires_at <= ? OR last_seen_at < ?")
      .run(now, idleBefore).changes;
  }
}
