import { RESP_TYPES } from 'redis';
import type { RedisClient } from './client.js';

/** The client answering strings as Buffers: bytes read back exactly as they were stored (files, deflated chunks). */
export function byteReplies(redis: RedisClient) {
  return redis.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
}

export type ByteRepliesClient = ReturnType<typeof byteReplies>;
