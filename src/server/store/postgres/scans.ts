/** Scan records: each scan of an image, its status and its report. */
import type { ScanRecord, ScanStore } from "../types.js";
import type { PostgresDatabase, Row } from "./database.js";

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

export class PostgresScans implements ScanStore {
  constructor(private readonly db: PostgresDatabase) {}

  async createScan(imageId: string): Promise<ScanRecord> {
    const startedAt = new Date().toISOString();
    const row = await this.db.row(
      "INSERT INTO scans (image_id, status, started_at) VALUES ($1, 'pending', $2) RETURNING scan_id",
      [imageId, startedAt],
    );
    return { scanId: row!.scan_id as number, imageId, status: "pending", startedAt };
  }

  async updateScan(scanId: number, patch: Partial<Omit<ScanRecord, "scanId" | "imageId">>): Promise<void> {
    const keys = Object.keys(patch).filter((k) => k in COLUMNS) as Array<keyof typeof patch>;
    if (keys.length === 0) return;
    const sets = keys.map((k, n) => `${COLUMNS[k]} = $${n + 2}`).join(", ");
    await this.db.run(`UPDATE scans SET ${sets} WHERE scan_id = $1`, [
      scanId,
      ...keys.map((k) => patch[k] ?? null),
    ]);
  }

  async latestScan(imageId: string): Promise<ScanRecord | undefined> {
    const row = await this.db.row("SELECT * FROM scans WHERE image_id = $1 ORDER BY scan_id DESC LIMIT 1", [
      imageId,
    ]);
    return row && scanOf(row);
  }

  async unfinishedScans(): Promise<ScanRecord[]> {
    return (
      await this.db.rows("SELECT * FROM scans WHERE status IN ('pending', 'running') ORDER BY scan_id")
    ).map(scanOf);
  }
}
