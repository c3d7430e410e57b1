/** The audit log, and the one way every repository writes: a change together with its entry. */
import type { AuditEntry, AuditRecord, AuditStore } from "../types.js";
import type { PostgresDatabase, Row, Sql } from "./database.js";

const COLUMNS = "at, account_id, access_key_id, action, resource, detail, source_ip, outcome";

function valuesOf(e: AuditEntry): unknown[] {
  return [e.at, e.accountId, e.accessKeyId, e.action, e.resource ?? null, e.detail, e.sourceIp, e.outcome];
}

export class PostgresAuditLog implements AuditStore {
  private pending: Array<{ e: AuditEntry; resolve: () => void; reject: (err: unknown) => void }> = [];
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly db: PostgresDatabase) {}

  /**
   * Group commit, as the SQLite log: entries from requests in flight go in one INSERT at the end of
   * the event-loop turn, and each call returns once its entry is committed.
   */
  audit(e: AuditEntry): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.pending.push({ e, resolve, reject }) === 1) setImmediate(() => void this.flush());
    });
  }

  /** Commits the entries waiting for the end of the turn now. */
  flush(): Promise<void> {
    const batch = this.pending;
    if (batch.length === 0) return this.flushing;
    this.pending = [];
    const params: unknown[] = [];
    const rows = batch.map(({ e }) => {
      const at = params.length;
      params.push(...valuesOf(e));
      return `(${valuesOf(e)
        .map((_, n) => `$${at + n + 1}`)
        .join(", ")})`;
    });
    const done = this.db.run(`INSERT INTO audit_log (${COLUMNS}) VALUES ${rows.join(", ")}`, params).then(
      () => {
        for (const b of batch) b.resolve();
      },
      (err: unknown) => {
        for (const b of batch) b.reject(err);
      },
    );
    this.flushing = this.flushing.then(() => done);
    return this.flushing;
  }

  private async insert(tx: Sql, e: AuditEntry): Promise<void> {
    await tx.run(`INSERT INTO audit_log (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, valuesOf(e));
  }

  /**
   * A write in one transaction, together with the call's audit entry when one is handed over and
   * not yet written (a call's first write carries it); `written` is set once committed.
   */
  async write<T>(audit: AuditRecord | undefined, change: (tx: Sql) => Promise<T>): Promise<T> {
    const result = await this.db.transaction(async (tx) => {
      const r = await change(tx);
      if (audit && !audit.written) await this.insert(tx, audit.entry);
      return r;
    });
    if (audit) audit.written = true;
    return result;
  }

  async auditLog(limit: number): Promise<AuditEntry[]> {
    await this.flush();
    return (await this.db.rows("SELECT * FROM audit_log ORDER BY id DESC LIMIT $1", [limit])).map(
      (r: Row) => ({
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
