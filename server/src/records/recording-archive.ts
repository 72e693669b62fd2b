import type pg from 'pg';
import type { RecordingPage } from '@etax-assist/protocol';
import { chunkEntries, recordingCursor } from '../cobrowse/recording.js';
import { cobrowseKeys } from '../cobrowse/keys.js';
import type { DatabasePool } from '../database/pool.js';
import { byteReplies } from '../redis/byte-replies.js';
import type { RedisClient } from '../redis/client.js';

interface ChunkRow {
  seq: number;
  chunk: Buffer;
  /** Entries in the chunks before this one on the page. */
  before: number;
}

/**
 * A session's co-browsing recording in the partitioned `recordings` table: its chunks written
 * there from Redis as the recorder deflated them (base64 in the stream, bytes in the row), and
 * read back page by page with the contract of the hot replay (server/src/cobrowse/recording.ts):
 * the same entry ids, and cursors it continues from, made of each chunk's place (`seq`).
 */
export class RecordingArchive {
  constructor(
    private readonly redis: RedisClient,
    private readonly database: DatabasePool,
  ) {}

  /**
   * Writes every chunk the session's stream holds within the caller's transaction, `seq` its
   * place in the stream (which only grows): a move done again, or again after late chunks, writes
   * only what is new. A month without its partition fails the transaction: the chunks stay in Redis.
   */
  async archive(client: pg.ClientBase, sessionId: string, sessionCreatedAt: Date): Promise<number> {
    const chunks = await byteReplies(this.redis).xRange(cobrowseKeys.recording(sessionId), '-', '+');
    if (chunks.length === 0) return 0;
    const rows = chunks.map(({ message }, seq) => ({ seq, n: Number(message.n?.toString()), chunk: Buffer.from(message.z?.toString() ?? '', 'base64') }));
    await client.query(
      `INSERT INTO recordings (session_id, session_created_at, seq, n, chunk)
       SELECT $1, $2, seq, n, chunk FROM unnest($3::int[], $4::int[], $5::bytea[]) AS r (seq, n, chunk)
       ON CONFLICT DO NOTHING`,
      [sessionId, sessionCreatedAt, rows.map((r) => r.seq), rows.map((r) => r.n), rows.map((r) => r.chunk)],
    );
    return rows.length;
  }

  /** Entries oldest first, whole chunks at a time until `limit` entries; `next` continues (the hot replay's contract). */
  async page(sessionId: string, after: string | undefined, limit: number): Promise<RecordingPage> {
    const from = after === undefined ? -1 : recordingCursor(after).seq;
    // the chunks whose entries before them on the page are fewer than `limit`, and the one after them (there is more)
    const { rows } = await this.database.query<ChunkRow>(
      `WITH rest AS (
         SELECT seq, chunk, (sum(n) OVER (ORDER BY seq) - n)::int AS before FROM recordings WHERE session_id = $1 AND seq > $2
       )
       SELECT seq, chunk, before FROM rest
       WHERE before < $3 OR seq = (SELECT min(seq) FROM rest WHERE before >= $3) ORDER BY seq`,
      [sessionId, from, limit],
    );
    const page = rows.filter((row) => row.before < limit);
    const entries = page.flatMap((row) => chunkEntries(row.seq, row.chunk));
    return page.length < rows.length ? { entries, next: String(page.at(-1)!.seq) } : { entries };
  }
}
