import type pg from 'pg';
import type { DatabasePool } from '../database/pool.js';
import { byteReplies, type ByteRepliesClient } from '../redis/byte-replies.js';
import type { RedisClient } from '../redis/client.js';
import { attachmentKeys } from './attachment-keys.js';

/** What is known of a file besides its bytes (a row of `attachments` without its content). */
export interface AttachmentMeta {
  name: string;
  type: string;
  size: number;
  uploadedAt: string;
  uploaderRole: string;
  uploaderId: string;
}

export interface StoredAttachment {
  name: string;
  type: string;
  content: Buffer;
}

const META = ':meta';

/**
 * Where a chat file's bytes are: in Redis, as bytes (never base64), while its session is in
 * Redis — an upload needs only Redis, so files go on being exchanged while PostgreSQL is away —
 * and in the `attachments` table once the session's mover has archived them (docs/records.md).
 */
export class AttachmentStore {
  /** Replies as bytes: a file is stored and read back exactly as it came. */
  readonly #bytes: ByteRepliesClient;

  constructor(
    private readonly redis: RedisClient,
    private readonly database: DatabasePool,
    private readonly retentionS: number,
  ) {
    this.#bytes = byteReplies(redis);
  }

  async save(sessionId: string, id: string, meta: AttachmentMeta, content: Buffer): Promise<void> {
    const key = attachmentKeys.files(sessionId);
    await this.redis
      .multi()
      .hSet(key, { [id]: content, [id + META]: JSON.stringify(meta) })
      .expire(key, this.retentionS)
      .exec();
  }

  /** The file from Redis while its session is there, else from PostgreSQL; undefined if neither has it. */
  async read(sessionId: string, id: string): Promise<StoredAttachment | undefined> {
    const [content, meta] = await this.#bytes.hmGet(attachmentKeys.files(sessionId), [id, id + META]);
    if (content && meta) {
      const { name, type } = JSON.parse(meta.toString()) as AttachmentMeta;
      return { name, type, content };
    }
    const { rows } = await this.database.query<StoredAttachment>('SELECT name, type, content FROM attachments WHERE session_id = $1 AND id = $2', [sessionId, id]);
    return rows[0];
  }

  /** Writes the session's files in Redis to `attachments` within the caller's transaction (again: nothing more). */
  async archive(client: pg.ClientBase, sessionId: string): Promise<number> {
    const fields = (await this.#bytes.hGetAll(attachmentKeys.files(sessionId))) as Record<string, Buffer>;
    let archived = 0;
    for (const [id, content] of Object.entries(fields)) {
      const meta = fields[id + META];
      if (id.endsWith(META) || !meta) continue;
      const { name, type, size, uploadedAt, uploaderRole, uploaderId } = JSON.parse(meta.toString()) as AttachmentMeta;
      await client.query(
        `INSERT INTO attachments (session_id, id, name, type, size, uploaded_at, uploader_role, uploader_id, content)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (session_id, id) DO NOTHING`,
        [sessionId, id, name, type, size, uploadedAt, uploaderRole, uploaderId, content],
      );
      archived++;
    }
    return archived;
  }
}
