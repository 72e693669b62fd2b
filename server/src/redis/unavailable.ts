import * as redis from 'redis';
import { ProtocolError } from '@etax-assist/protocol';

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
 * A Redis outage (restart, failover, network) as the clear, retryable UNAVAILABLE the clients know,
 * instead of an INTERNAL error; any other error is returned as it is.
 */
export function asUnavailable(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  // LOADING / MASTERDOWN / TRYAGAIN: a restarted Redis still reading its append-only file, or a failover
  if (CONNECTION_ERRORS.some((type) => error instanceof type) || /^(LOADING|MASTERDOWN|TRYAGAIN|BUSY)\b/.test(error.message)) {
    return new ProtocolError('UNAVAILABLE', 'The service is briefly unavailable; try again in a moment');
  }
  return error;
}
