import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import { SESSION_CODE_COMMANDS, sessionIs, ProtocolError, type Principal, type SessionCard, type SessionCode } from '@etax-assist/protocol';
import type { Config } from '../config/env.js';
import type { Dispatcher } from '../dispatcher/dispatcher.js';
import type { RequestRouter } from '../realtime/requests.js';
import { rooms } from '../realtime/rooms.js';
import type { RedisClient } from '../redis/client.js';
import { LuaScript } from '../redis/lua-script.js';
import { luaLocal } from '../redis/lua-source.js';
import { sessionKeys } from './keys.js';
import type { SessionStore } from './session-store.js';

/**
 * Session codes for the phone hotline: the taxpayer's widget shows a 6-digit code for their
 * waiting request; the hotline agent types it and the session is theirs at once (an offer made
 * to them and accepted in one step, through the dispatcher, so capacity and states stay right).
 * A session has one live code (server/lua/session-code.lua): a new one revokes the previous, and
 * the code dies when the session stops waiting, so no taxpayer can fill the million codes.
 */
export function registerSessionCodeRequests(requests: RequestRouter, redis: RedisClient, sessions: SessionStore, dispatcher: Dispatcher, config: Config, log: Logger): void {
  const { ttlS, maxAttemptsPerMinute } = config.sessionCode;
  const script = new LuaScript(redis, SESSION_CODE_COMMANDS, { name: 'session code', files: ['session-code.lua'], prelude: luaLocal('key', sessionKeys) });
  const revoke = (sessionId: string) => script.run('revoke', { session: sessionId });

  dispatcher.on('effects', (effects) => {
    for (const e of effects) {
      if (e.t === 'session' && !sessionIs(e.state, 'waiting'))
        revoke(e.session).catch((error: unknown) => log.warn({ err: error, sessionId: e.session }, 'session code not revoked (it lapses by itself)'));
    }
  });

  requests.on('session:code', ['taxpayer'], async ({ principal }, { sessionId }): Promise<SessionCode> => {
    const session = await sessions.requireParticipant(sessionId, principal);
    if (!sessionIs(session.state ?? '', 'waiting')) throw new ProtocolError('CONFLICT', 'Only a waiting request has a session code');
    for (let attempt = 0; attempt < 20; attempt++) {
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      const { issued } = await script.run('issue', { session: sessionId, code, ttlS });
      if (issued) return { code, expiresInS: ttlS };
    }
    throw new ProtocolError('UNAVAILABLE', 'No session code is free right now; try again');
  });

  requests.on('session:join-by-code', ['agent', 'expert'], async ({ socket, principal }, { code }): Promise<SessionCard> => {
    const attemptsKey = sessionKeys.codeAttempts(principal.sub, String(Math.floor(Date.now() / 60_000)));
    const attempts = await redis.incr(attemptsKey);
    await redis.expire(attemptsKey, 120);
    if (attempts > maxAttemptsPerMinute) throw new ProtocolError('RATE_LIMITED', `At most ${maxAttemptsPerMinute} codes a minute`);
    const sessionId = await redis.get(sessionKeys.hotlineCode(code));
    if (!sessionId) throw new ProtocolError('NOT_FOUND', 'This session code is unknown or has expired');
    const session = await sessions.fields(sessionId);
    if (!session || !sessionIs(session.state ?? '', 'waiting')) {
      await revoke(sessionId);
      throw new ProtocolError('CONFLICT', 'The session is no longer waiting');
    }
    await joinAsAgent(dispatcher, sessionId, principal);
    await revoke(sessionId);
    await socket.join(rooms.session(sessionId));
    return sessions.card(sessionId);
  });
}

/** Offer the session to this agent and accept it at once. */
async function joinAsAgent(dispatcher: Dispatcher, sessionId: string, agent: Principal): Promise<void> {
  const offerId = await dispatcher.offerTo(sessionId, agent.sub);
  await dispatcher.accept(offerId, agent.sub);
}
