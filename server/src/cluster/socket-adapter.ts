import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Logger } from 'pino';
import { connectRedis, type RedisClient } from '../redis/client.js';
import { AdapterStreamWatch, streamBoundsReader } from './stream-gap.js';

const STREAM = 'etax:socket.io';

/** The adapter's namespace adapter, as far as the stream watch needs it (`onRawMessage` is untyped). */
interface StreamReadingAdapter {
  onRawMessage(message: unknown, offset: string): void;
}

/**
 * Spans socket.io across the instances sharing this Redis: a room is one room cluster-wide, so an
 * event for a session reaches its taxpayer and agents wherever they are connected.
 *
 * The Redis Streams adapter (not the pub/sub one): packets go through a stream each instance
 * reads with its own cursor, so a Redis restart or a network blip delays them but loses none.
 * It uses its own connections (a blocking XREAD would stall every other command). The stream is
 * trimmed to `maxLen`: an instance that falls further behind loses packets, which `watch` notices
 * (cluster/stream-gap.ts) so that the instance resynchronises its clients (cluster/client-resync.ts).
 */
export async function clusterAdapter(
  redisUrl: string,
  maxLen: number,
  log: Logger,
): Promise<{ adapter: ReturnType<typeof createAdapter>; client: RedisClient; watch: AdapterStreamWatch }> {
  const client = await connectRedis(redisUrl, log, 'etax-assist-adapter');
  const watch = new AdapterStreamWatch(streamBoundsReader(client, STREAM), log.child({ component: 'cluster' }));
  const create = createAdapter(client, { streamName: STREAM, channelPrefix: 'etax:socket.io', maxLen });
  // socket.io calls it with `new`: a function (not an arrow) that returns the adapter it made
  const adapter = function (nsp: unknown) {
    const namespaceAdapter = create(nsp);
    // every entry the adapter reads from the stream passes here, with its id
    const reading = namespaceAdapter as unknown as StreamReadingAdapter;
    const onRawMessage = reading.onRawMessage.bind(reading);
    reading.onRawMessage = (message, offset) => {
      watch.observe(offset);
      onRawMessage(message, offset);
    };
    return namespaceAdapter;
  } as typeof create;
  return { adapter, client, watch };
}
