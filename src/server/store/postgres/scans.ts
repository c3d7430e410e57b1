/** Scan records: each scan of an image, its status, its report and its facts snapshot. */
import { packFacts, unpackFacts } from "../facts-codec.js";
import type { JudgeableScan, Judgement, ScanPatch, ScanRecord, ScanStore } from "../types.js";
import type { PostgresDatabase, Row } from "./database.js";

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

  async updateScan(scanId: number, patch: ScanPatch): Promise<void> {
    const keys = Object.keys(patch).filter((k) => k in COLUMNS) as Array<keyof ScanPatch>;
    if (keys.length === 0) return;
    const sets = keys.map((k, n) => `${COLUMNS[k]} = $${n + 2}`).join(", ");
    await this.db.run(`UPDATE scans SET ${sets} WHERE scan_id = $1`, [
      scanId,
      ...keys.map((k) => (k === "facts" ? packFacts(patch.facts!) : (patch[k] ?? null))),
    ]);
  }

  async latestScan(imageId: string): Promise<ScanRecord | undefined> {
    const row = await this.db.row(
      `SELECT ${RECORD} FROM scans WHERE image_id = $1 ORDER BY scan_id DESC LIMIT 1`,
      [imageId],
    );
    return row && scanOf(row);
  }

  async unfinishedScans(): Promise<ScanRecord[]> {
    return (
      await this.db.rows(
        `SELECT ${RECORD} FROM scans WHERE status IN ('pending', 'running') ORDER BY scan_id`,
      )
    ).map(scanOf);
  }

  async scanFacts(scanId: number): Promise<string | undefined> {
    const row = await this.db.row("SELECT facts FROM scans WHERE scan_id = $1", [scanId]);
    return row?.facts != null ? unpackFacts(row.facts as Buffer) : undefined;
  }

  async judgeableScans(q: {
    afterScanId: number;
    limit: number;
    imageIds?: string[];
  }): Promise<JudgeableScan[]> {
    const rows = await this.db.rows(
      `SELECT s.scan_id, s.image_id, s.report, s.facts, s.judged_at, s.pending_mark FROM scans s
        WHERE s.scan_id > $1 AND s.status = 'done' AND s.report IS NOT NULL AND s.facts IS NOT NULL
          AND ($3::text[] IS NULL OR s.image_id = ANY($3::text[]))
          AND NOT EXISTS (SELECT 1 FROM scans t WHERE t.image_id = s.image_id AND t.scan_id > s.scan_id)
        ORDER BY s.scan_id LIMIT $2`,
      [q.afterScanId, q.limit, q.imageIds ?? null],
    );
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
    if (judgements.length === 0) return [];
    return this.db.transaction(async (tx) => {
      const written: boolean[] = [];
      for (const j of judgements)
        written.push(
          (await tx.run(
            `UPDATE scans SET report = $1, judged_at = $2, pending_mark = $5
              WHERE scan_id = $3 AND judged_at IS NOT DISTINCT FROM $4`,
            [j.report, j.judgedAt, j.scanId, j.expectedJudgedAt ?? null, j.pendingMark ?? null],
          )) === 1,
        );
      return written;
    });
  }

  async clearPendingMark(scanId: number, pendingMark: string): Promise<void> {
    await this.db.run("UPDATE scans SET pending_mark = NULL WHERE scan_id = $1 AND pending_mark = $2", [
      scanId,
      pendingMark,
    ]);
  }

  async latestScans(imageIds: string[]): Promise<Map<string, ScanRecord>> {
    const rows = await this.db.rows(
      `SELECT DISTINCT ON (image_id) ${RECORD} FROM scans WHERE image_id = ANY($1::text[])
        ORDER BY image_id, scan_id DESC`,
      [imageIds],
    );
    return new Map(rows.map((r) => [r.image_id as string, scanOf(r)]));
  }
}
