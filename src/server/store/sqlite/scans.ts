/** Scan records: each scan of an image, its status and its report. */
import type { ScanRecord, ScanStore } from "../types.js";
import type { Row, SqliteDatabase } from "./database.js";

const COLUMNS: Record<string, string> = {
  status: "status",
  startedAt: "started_at",
  finishedAt: "finished_at",
  report: "report",
  error: "error",
};

function scanOf(row: Row): ScanRecord {
  return {
    scanId: row.scan_id as number,
    imageId: row.image_id as string,
    status: row.status as ScanRecord["status"],
    startedAt: row.started_at as string,
    ...(row.finished_at != null ? { finishedAt: row.finished_at as string } : {}),
    ...(row.report != null ? { report: row.report as string } : {}),
    ...(row.error != null ? { error: row.error as string } : {}),
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

  async updateScan(scanId: number, patch: Partial<Omit<ScanRecord, "scanId" | "imageId">>): Promise<void> {
    const keys = Object.keys(patch).filter((k) => k in COLUMNS);
    if (keys.length === 0) return;
    const sql = `UPDATE scans SET ${keys.map((k) => `${COLUMNS[k]} = @${k}`).join(", ")} WHERE scan_id = @scanId`;
    this.db.stmt(sql).run({ ...patch, scanId });
  }

  async latestScan(imageId: string): Promise<ScanRecord | undefined> {
    const row = this.db
      .stmt("SELECT * FROM scans WHERE image_id = ? ORDER BY scan_id DESC LIMIT 1")
      .get(imageId) as Row | undefined;
    return row && scanOf(row);
  }

  async unfinishedScans(): Promise<ScanRecord[]> {
    return (this.db.stmt("SELECT * FROM scans WHERE status IN ('pending', 'running')").all() as Row[]).map(
      scanOf,
    );
  }
}
