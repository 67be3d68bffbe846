import type { Pool } from "mariadb";
import type { FloorAnswer, FloorRequest, FloorStorage } from "./floor-storage.ts";

/** One row of the floor's single table. */
export type FloorRow = readonly [requestId: string, status: string, content: string, response: string, createdAt: Date];

export const floorTableDdl = `CREATE TABLE IF NOT EXISTS floor_responses (
  request_id VARCHAR(191) NOT NULL PRIMARY KEY,
  status VARCHAR(24) NOT NULL,
  content MEDIUMTEXT NULL,
  response JSON NULL,
  created_at DATETIME(3) NOT NULL
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`;

/**
 * The floor's group commit, written by hand: rows queue while up to `maxConcurrent`
 * multi-row INSERTs run; each INSERT takes up to `maxBatch` queued rows (one autocommit
 * statement, so one fsync, per batch) — the same shape as modelbus's store, none of its logic.
 */
export class FloorBatcher implements FloorStorage {
  private readonly queue: { row: FloorRow; done: (error?: unknown) => void }[] = [];
  private running = 0;
  batches = 0;
  rows = 0;

  constructor(
    private readonly pool: Pool,
    private readonly maxBatch: number,
    private readonly maxConcurrent: number,
  ) {}

  save(request: FloorRequest, answer: FloorAnswer): Promise<void> {
    return this.insert([request.request_id, "complete", answer.content, answer.published, new Date()]);
  }

  insert(row: FloorRow): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ row, done: (error) => (error === undefined ? resolve() : reject(error)) });
      this.flush();
    });
  }

  private flush(): void {
    while (this.running < this.maxConcurrent && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.running += 1;
      const sql = `INSERT INTO floor_responses (request_id, status, content, response, created_at) VALUES ${batch.map(() => "(?,?,?,?,?)").join(",")}`;
      const values = batch.flatMap((pending) => pending.row);
      this.pool
        .query(sql, values)
        .then(
          () => {
            this.batches += 1;
            this.rows += batch.length;
            for (const pending of batch) pending.done();
          },
          (error: unknown) => {
            for (const pending of batch) pending.done(error);
          },
        )
        .finally(() => {
          this.running -= 1;
          this.flush();
        });
    }
  }
}
