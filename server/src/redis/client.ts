import { createClient } from 'redis';
import type { Logger } from 'pino';

export type RedisClient = ReturnType<typeof createClient>;

/** A connected node-redis client that reconnects by itself and logs (not throws) its errors. */
export async function connectRedis(url: string, log: Logger, name: string): Promise<RedisClient> {
  // No handshake commands (CLIENT SETNAME, CLIENT SETINFO): after failovers through the sentinel
  // relay (which accepts at once and may lose its primary before answering) the replies of a cut
  // handshake went to the next commands (npm run bench:failover). `name` tags the logs instead.
  const client = createClient({
    url,
    disableClientInfo: true,
    socket: { reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 3000), connectTimeout: 5000 },
  });
  let lastError = '';
  client.on('error', (error: Error) => {
    // One line per distinct failure, not one per reconnect attempt.
    if (error.message !== lastError) log.error({ err: error, client: name }, 'redis connection error');
    lastError = error.message;
  });
  client.on('ready', () => {
    if (lastError) log.info({ client: name }, 'redis connection restored');
    lastError = '';
  });
  await client.connect();
  return client;
}
