import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Logger } from 'pino';
import { connectRedis, type RedisClient } from '../redis/client.js';

/**
 * Spans socket.io across the instances sharing this Redis: a room is one room cluster-wide, so an
 * event for a session reaches its taxpayer and agents wherever they are connected.
 *
 * The Redis Streams adapter (not the pub/sub one): packets go through a stream each instance
 * reads with its own cursor, so a Redis restart or a network blip delays them but loses none.
 * It uses its own connections (a blocking XREAD would stall every other command).
 */
export async function clusterAdapter(redisUrl: string, maxLen: number, log: Logger): Promise<{ adapter: ReturnType<typeof createAdapter>; client: RedisClient }> {
  const client = await connectRedis(redisUrl, log, 'etax-assist-adapter');
  const adapter = createAdapter(client, { streamName: 'etax:socket.io', channelPrefix: 'etax:socket.io', maxLen });
  return { adapter, client };
}
