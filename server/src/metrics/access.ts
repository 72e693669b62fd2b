import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ProtocolError } from '@etax-assist/protocol';

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * Who may see the service's internals (/metrics, the detailed /healthz): on the service's own
 * port only the holder of METRICS_TOKEN; on the separate metrics listener anyone who reaches it.
 */
export class MetricsAccess {
  private constructor(
    /** SHA-256 of the token: compared in constant time whatever the length of the guess. */
    private readonly tokenDigest: Buffer | undefined,
    private readonly open: boolean,
  ) {}

  /** The service's public port: with a token configured, its bearer; without one, nobody. */
  static byToken(token: string | undefined): MetricsAccess {
    return new MetricsAccess(token === undefined ? undefined : digest(token), false);
  }

  /** The metrics listener (METRICS_HOST:METRICS_PORT): the operator keeps it internal. */
  static internal(): MetricsAccess {
    return new MetricsAccess(undefined, true);
  }

  granted(request: FastifyRequest): boolean {
    if (this.open) return true;
    const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    return this.tokenDigest !== undefined && match !== null && timingSafeEqual(digest(match[1]!), this.tokenDigest);
  }

  /** Why a caller without access is refused. */
  refusal(): ProtocolError {
    return this.tokenDigest === undefined
      ? new ProtocolError('FORBIDDEN', 'Metrics are not served on this port (see METRICS_TOKEN and METRICS_PORT)')
      : new ProtocolError('UNAUTHENTICATED', 'Metrics need the bearer token METRICS_TOKEN');
  }
}
