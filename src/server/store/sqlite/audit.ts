/** The audit log, and the one way every repository writes: a change together with its entry. */
import type { AuditEntry, AuditRecord, AuditStore } from "../types.js";
import type { Row, SqliteDatabase } from "./database.js";

export class SqliteAuditLog implements AuditStore {
  private pending: Array<{ e: AuditEntry; resolve: () => void; reject: (err: unknown) => void }> = [];

  constructor(private readonly db: SqliteDatabase) {}

  /**
   * Group commit: entries from requests in flight are written together in one transaction at the
   * end of the event-loop turn, and each call returns once its entry is committed (so a response
   * that follows the audit is never ahead of its record).
   */
  audit(e: AuditEntry): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.pending.push({ e, resolve, reject }) === 1) setImmediate(() => this.flush());
    });
  }

  /** Commits the entries waiting for the end of the turn now. */
  flush(): void {
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    try {
      this.db.transaction(() => {
        for (const { e } of batch) this.insert(e);
      });
    } catch (err) {
      for (const b of batch) b.reject(err);
      return;
    }
    for (const b of batch) b.resolve();
  }

  private insert(e: AuditEntry): void {
    this.db
      .stmt(
        `INSERT INTO audit_log (at, account_id, access_key_id, action, resource, detail, source_ip, outcome)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(e.at, e.accountId, e.accessKeyId, e.action, e.resource ?? null, e.detail, e.sourceIp, e.outcome);
  }

  /**
   * A write in one immediate transaction, together with the call's audit entry when one is handed
   * over and not yet written (a call's first write carries it); `written` is set once committed.
   */
  write<T>(audit: AuditRecord | undefined, change: () => T): T {
    const result = this.db.transaction(() => {
      const r = change();
      if (audit && !audit.written) this.insert(audit.entry);
      return r;
    });
    if (audit) audit.written = true;
    return result;
  }

  async auditLog(limit: number): Promise<AuditEntry[]> {
    this.flush();
    return (this.db.stmt("SELECT * FROM audit_log ORDER BY id DESC LIMIT ?").all(limit) as Row[]).map(
      (r) => ({
        at: r.at as string,
        accountId: r.account_id as string,
        accessKeyId: r.access_key_id as string,
        action: r.action as string,
        ...(r.resource != null ? { resource: r.resource as string } : {}),
        detail: r.detail as string,
        sourceIp: r.source_ip as string,
        outcome: r.outcome as string,
      }),
    );
  }
}
