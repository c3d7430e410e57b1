/** Scan records: each scan of an image, its status, its report and its facts snapshot. */
import { packFacts, unpackFacts } from "../facts-codec.js";
import type { JudgeableScan, Judgement, ScanPatch, ScanRecord, ScanStore } from "../types.js";
import type { Row, SqliteDatabase } from "./database.js";

const COLUMNS: Record<string, string> = {
  status: "status",
  startedAt: "started_at",
  finishedAt: "finished_at",
  report: "report",
  error: "error",
  judgedAt: "judged_at",
  facts: "facts",
};

/** Every column but the facts snapshot, which only re-judging reads. */
const RECORD = "scan_id, image_id, status, started_at, finished_at, report, error, judged_at";

function scanOf(row: Row): ScanRecord {
  return {
    scanId: row.scan_id as number,
    imageId: row.image_id as string,
    status: row.status as ScanRecord["status"],
    startedAt: row.started_at as string,
    ...(row.finished_at != null ? { finishedAt: row.finished_at as string } : {}),
    ...(row.report != null ? { report: row.report as string } : {}),
    ...(row.error != null ? { error: row.error as string } : {}),
    ...(row.judged_at != null ? { judgedAt: row.judged_at as string } : {}),
  };
}

export class SqliteScans implements ScanStore {
  constructor(private readonly db: SqliteDatabase) {}

  async createScan(imageId: string): Promise<ScanRecord> {
    const startedAt = new Date().toISOString();
    const r = this.db
      .stmt("INSERT INTO scans (image_id, status, started_at) VALUES (?, 'pending', ?)")
      .run(imageId, startedAt);
    return { scanId: Number(r.lastInsertRowid), imageId, status: "pending", startedAt };
  }

  async updateScan(scanId: number, patch: ScanPatch): Promise<void> {
    const keys = Object.keys(patch).filter((k) => k in COLUMNS);
    if (keys.length === 0) return;
    const values: Record<string, unknown> = { ...patch, scanId };
    if (patch.facts !== undefined) values.facts = packFacts(patch.facts);
    const sql = `UPDATE scans SET ${keys.map((k) => `${COLUMNS[k]} = @${k}`).join(", ")} WHERE scan_id = @scanId`;
    this.db.stmt(sql).run(values);
  }

  async latestScan(imageId: string): Promise<ScanRecord | undefined> {
    const row = this.db
      .stmt(`SELECT ${RECORD} FROM scans WHERE image_id = ? ORDER BY scan_id DESC LIMIT 1`)
      .get(imageId) as Row | undefined;
    return row && scanOf(row);
  }

  async unfinishedScans(): Promise<ScanRecord[]> {
    return (
      this.db.stmt(`SELECT ${RECORD} FROM scans WHERE status IN ('pending', 'running')`).all() as Row[]
    ).map(scanOf);
  }

  async scanFacts(scanId: number): Promise<string | undefined> {
    const row = this.db.stmt("SELECT facts FROM scans WHERE scan_id = ?").get(scanId) as Row | undefined;
    return row?.facts != null ? unpackFacts(row.facts as Buffer) : undefined;
  }

  async judgeableScans(q: {
    afterScanId: number;
    limit: number;
    imageIds?: string[];
  }): Promise<JudgeableScan[]> {
    const only = q.imageIds ? `AND s.image_id IN (${q.imageIds.map(() => "?").join(", ") || "NULL"})` : "";
    const rows = this.db
      .stmt(
        `SELECT s.scan_id, s.image_id, s.report, s.facts, s.judged_at, s.pending_mark FROM scans s
          WHERE s.scan_id > ? AND s.status = 'done' AND s.report IS NOT NULL AND s.facts IS NOT NULL ${only}
            AND NOT EXISTS (SELECT 1 FROM scans t WHERE t.image_id = s.image_id AND t.scan_id > s.scan_id)
          ORDER BY s.scan_id LIMIT ?`,
      )
      .all(q.afterScanId, ...(q.imageIds ?? []), q.limit) as Row[];
    return rows.map((r) => ({
      scanId: r.scan_id as number,
      imageId: r.image_id as string,
      report: r.report as string,
      facts: unpackFacts(r.facts as Buffer),
      ...(r.judged_at != null ? { judgedAt: r.judged_at as string } : {}),
      ...(r.pending_mark != null ? { pendingMark: r.pending_mark as string } : {}),
    }));
  }

  async replaceJudgements(judgements: readonly Judgement[]): Promise<boolean[]> {
    const update = this.db.stmt(
      "UPDATE scans SET report = ?, judged_at = ?, pending_mark = ? WHERE scan_id = ? AND judged_at IS ?",
    );
    return this.db.transaction(() =>
      judgements.map(
        (j) =>
          update.run(j.report, j.judgedAt, j.pendingMark ?? null, j.scanId, j.expectedJudgedAt ?? null)
            .changes === 1,
      ),
    );
  }

  async clearPendingMark(scanId: number, pendingMark: string): Promise<void> {
    this.db
      .stmt("UPDATE scans SET pending_mark = NULL WHERE scan_id = ? AND pending_mark = ?")
      .run(scanId, pendingMark);
  }

  async latestScans(imageIds: string[]): Promise<Map<string, ScanRecord>> {
    const rows = this.db
      .stmt(
        `SELECT ${RECORD} FROM scans WHERE scan_id IN (SELECT max(scan_id) FROM scans
           WHERE image_id IN (SELECT value FROM json_each(?)) GROUP BY image_id)`,
      )
      .all(JSON.stringify(imageIds)) as Row[];
    return new Map(rows.map((r) => [r.image_id as string, scanOf(r)]));
  }
}
