/** Redis keys of the records on their way to PostgreSQL (docs/records.md). */
export const recordKeys = {
  /** Stream: every record change, appended by the Lua scripts in the same step as the change; the archiver's consumer group reads it. */
  outbox: 'rec:outbox',
  /** Stream: outbox entries that failed validation, set aside with their original id so that they never block the outbox. */
  deadLetters: 'rec:outbox:dead',
  /** Sorted set: sessions over whose attachments and recording are due to be moved to PostgreSQL (score: when, ms; a taken one: its lease's end). */
  moves: 'rec:moves',
};

/** The archivers' consumer group on the outbox: one for the deployment, each instance a consumer. */
export const ARCHIVER_GROUP = 'archiver';
