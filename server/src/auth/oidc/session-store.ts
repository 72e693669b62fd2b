import { createHash, randomBytes } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { parse } from '@etax-assist/protocol';
import type { RedisClient } from '../../redis/client.js';

/** A sign-in under way: what the callback must prove it belongs to (PKCE verifier, nonce). */
export const PendingSignIn = Type.Object({ codeVerifier: Type.String(), nonce: Type.String() });
export type PendingSignIn = Static<typeof PendingSignIn>;

/** A console's sign-in: the provider's tokens (never sent to the browser) and the last service token. */
export const ConsoleSession = Type.Object({
  sub: Type.String(),
  /** For the provider's sign-out (id_token_hint). */
  idToken: Type.String(),
  refreshToken: Type.String(),
  /** The service token issued last, revoked when the session ends or loses its access. */
  serviceToken: Type.Optional(Type.Object({ jti: Type.String(), validUntilMs: Type.Number() })),
});
export type ConsoleSession = Static<typeof ConsoleSession>;

/** How long a browser may take at the provider's login page. */
const PENDING_TTL_S = 600;

/** The cookie's value is the key to a session: Redis holds only its hash. */
const sessionKey = (sessionId: string): string => `oidc:session:${createHash('sha256').update(sessionId).digest('base64url')}`;
const pendingKey = (state: string): string => `oidc:pending:${createHash('sha256').update(state).digest('base64url')}`;

/** Provider sign-ins in Redis, shared by every instance: those under way and the consoles' sessions. */
export class OidcSessionStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly sessionTtlS: number,
  ) {}

  async begin(state: string, pending: PendingSignIn): Promise<void> {
    await this.redis.set(pendingKey(state), JSON.stringify(pending), { EX: PENDING_TTL_S });
  }

  /** The sign-in under way with this state, at most once (a replayed callback finds nothing). */
  async takePending(state: string): Promise<PendingSignIn | undefined> {
    const raw = await this.redis.getDel(pendingKey(state));
    return raw === null ? undefined : parse(PendingSignIn, JSON.parse(raw), 'pending sign-in');
  }

  /** Stores a new session and returns its id (the cookie's value). */
  async create(session: ConsoleSession): Promise<string> {
    const sessionId = randomBytes(32).toString('base64url');
    await this.redis.set(sessionKey(sessionId), JSON.stringify(session), { EX: this.sessionTtlS });
    return sessionId;
  }

  async get(sessionId: string): Promise<ConsoleSession | undefined> {
    const raw = await this.redis.get(sessionKey(sessionId));
    return raw === null ? undefined : parse(ConsoleSession, JSON.parse(raw), 'console session');
  }

  /** Replaces a session's content; it still ends when it would have (its TTL is kept). */
  async update(sessionId: string, session: ConsoleSession): Promise<void> {
    await this.redis.set(sessionKey(sessionId), JSON.stringify(session), { KEEPTTL: true, XX: true });
  }

  async delete(sessionId: string): Promise<void> {
    await this.redis.del(sessionKey(sessionId));
  }
}
