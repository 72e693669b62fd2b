import { Counter } from 'prom-client';
import * as redis from 'redis';
import { ProtocolError } from '@etax-assist/protocol';
import { isDatabaseOutage } from '../database/outage.js';

/** node-redis errors that mean "Redis is not reachable right now", not "the request was wrong". */
const CONNECTION_ERRORS = [
  redis.ClientClosedError,
  redis.ClientOfflineError,
  redis.ConnectionTimeoutError,
  redis.DisconnectsClientError,
  redis.ReconnectStrategyError,
  redis.SocketClosedUnexpectedlyError,
  redis.SocketTimeoutError,
];

/**
 * Writes Redis refused at its `maxmemory` (noeviction), that reached a client as UNAVAILABLE.
 * Process-wide like the default process metrics; each service's registry registers it.
 */
export const redisOutOfMemoryRefusals = new Counter({
  name: 'etax_redis_oom_refusals_total',
  help: 'Requests refused because Redis is at its maxmemory (answered UNAVAILABLE)',
  registers: [],
});

/** Redis's own refusal at maxmemory, from a command or from a write inside a script (EVALSHA). */
export function isOutOfMemory(error: unknown): boolean {
  return error instanceof redis.ErrorReply && error.message.startsWith('OOM ');
}

/**
 * A Redis outage (restart, failover, network), Redis at its memory limit, or PostgreSQL away, as the clear,
 * retryable UNAVAILABLE the clients know, instead of an INTERNAL error; any other error is
 * returned as it is.
 */
export function asUnavailable(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  if (isOutOfMemory(error)) {
    redisOutOfMemoryRefusals.inc();
    return new ProtocolError('UNAVAILABLE', 'The service is at its memory limit; try again shortly');
  }
  // LOADING / MASTERDOWN / TRYAGAIN / READONLY: a restarted Redis still reading its append-only file, or a
  // failover (a node demoted to replica refuses writes until the sentinels' switch cuts its connections)
  // …and PostgreSQL away, for what is read from the record once it has left Redis
  if (CONNECTION_ERRORS.some((type) => error instanceof type) || /^(LOADING|MASTERDOWN|TRYAGAIN|BUSY|READONLY)\b/.test(error.message) || isDatabaseOutage(error)) {
    return new ProtocolError('UNAVAILABLE', 'The service is briefly unavailable; try again in a moment');
  }
  return error;
}
