/** SQLSTATEs of a server shutting down, not accepting connections yet, or a connection lost. */
const OUTAGE_STATES = new Set(['57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006']);
/** Socket errors of a server that is not there. */
const SOCKET_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH']);

/**
 * PostgreSQL away (stopped, restarting, unreachable), as the pg driver reports it: what a read
 * of the record (a moved session's file or recording) answers as a retryable UNAVAILABLE.
 */
export function isDatabaseOutage(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (OUTAGE_STATES.has(code) || SOCKET_ERRORS.has(code))) return true;
  // the pool's own words for a connection that could not be made or broke under a query
  return /^(timeout exceeded when trying to connect|Connection terminated)/.test(error.message);
}
