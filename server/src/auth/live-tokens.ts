import type { Logger } from 'pino';
import type { AuthEndedEvent } from '@etax-assist/protocol';
import type { AppServer, AppSocket, ConnectionHook } from '../realtime/socket-server.js';
import type { TokenDenyList } from './deny-list.js';

/** setTimeout's longest delay (about 24.8 days); a longer-lived token is re-checked then. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Live sockets follow their tokens, which are only checked at connect: a socket is closed when its
 * token stops being valid, and on every instance when its token is revoked. Either way it first
 * hears `auth:ended` with the reason (TOKEN_EXPIRED: the SDK reconnects with a fresh token;
 * TOKEN_REVOKED: final). A client that presents a fresh token first (`auth:renew`) is not closed.
 */
export class LiveTokens implements ConnectionHook {
  readonly #expiryTimers = new Map<AppSocket, NodeJS.Timeout>();

  constructor(
    private readonly io: AppServer,
    private readonly denyList: TokenDenyList,
    private readonly log: Logger,
  ) {
    io.on('auth:revoked', ({ jti }) => this.#endRevoked(jti));
  }

  async connected(socket: AppSocket): Promise<void> {
    this.#scheduleExpiry(socket);
    // A sign-out between the connect check and now was announced before this socket was known
    // here; the deny-list has it already.
    const { jti } = socket.data.token;
    if (jti !== undefined && (await this.denyList.has(jti)) && socket.connected) this.#endRevoked(jti);
  }

  async disconnected(socket: AppSocket): Promise<void> {
    clearTimeout(this.#expiryTimers.get(socket));
    this.#expiryTimers.delete(socket);
  }

  /**
   * The socket carries on under a fresh token of the same user (checked by the caller): it is
   * closed at the new token's expiry instead, and revoking the new one reaches it.
   */
  renew(socket: AppSocket, token: { jti: string | undefined; validUntilMs: number }): void {
    clearTimeout(this.#expiryTimers.get(socket));
    socket.data.token = token;
    this.#scheduleExpiry(socket);
  }

  /** Signs a token out: refused from now on by every instance, and its sockets closed wherever they are. */
  async revoke(jti: string, validUntilMs: number): Promise<void> {
    await this.denyList.add(jti, validUntilMs);
    this.#endRevoked(jti);
    this.io.serverSideEmit('auth:revoked', { jti });
  }

  #scheduleExpiry(socket: AppSocket): void {
    const { validUntilMs } = socket.data.token;
    const timer = setTimeout(
      () => {
        if (Date.now() < validUntilMs) this.#scheduleExpiry(socket);
        else {
          // a taxpayer's SDK reconnects with a fresh portal token at once; a staff sign-in is over
          if (socket.data.principal.role !== 'taxpayer') socket.data.signedOut = true;
          this.#end(socket, { code: 'TOKEN_EXPIRED', message: 'The token has expired; reconnect with a fresh one' });
        }
      },
      Math.min(Math.max(0, validUntilMs - Date.now()), MAX_TIMER_MS),
    );
    timer.unref();
    this.#expiryTimers.set(socket, timer);
  }

  #endRevoked(jti: string): void {
    for (const socket of this.#expiryTimers.keys()) {
      if (socket.data.token.jti !== jti) continue;
      // read by the media hook on disconnect: no grace period for a signed-out user's call
      socket.data.signedOut = true;
      this.#end(socket, { code: 'TOKEN_REVOKED', message: 'Signed out: this token was revoked' });
    }
  }

  #end(socket: AppSocket, reason: AuthEndedEvent): void {
    const { principal } = socket.data;
    this.log.info({ socketId: socket.id, sub: principal.sub, role: principal.role, code: reason.code }, 'socket closed: its token ended');
    socket.emit('auth:ended', reason);
    socket.disconnect(true);
  }
}
