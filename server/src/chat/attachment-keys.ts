/** Redis key layout of chat attachments, in one place for the upload, its quota and the move to PostgreSQL. */
export const attachmentKeys = {
  /** Hash: the session's files while it is in Redis: `<id>` the bytes as they came, `<id>:meta` their AttachmentMeta (JSON). */
  files: (sessionId: string) => `att:${sessionId}:files`,
  /** Counter: files uploaded to the session (its allowance). */
  count: (sessionId: string) => `att:${sessionId}:count`,
  /** Hash: a taxpayer's files and bytes on one local day (`day`: days since the epoch, DISPATCH_TZ_OFFSET_MIN). */
  daily: (sub: string, day: number) => `att:daily:${sub}:${day}`,
};
