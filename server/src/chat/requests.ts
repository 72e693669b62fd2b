import { ProtocolError, type ChatMessage } from '@etax-assist/protocol';
import type { Config } from '../config/env.js';
import type { RequestRouter } from '../realtime/requests.js';
import { rooms } from '../realtime/rooms.js';
import type { AppServer } from '../realtime/socket-server.js';
import type { RedisClient } from '../redis/client.js';
import { participantId } from '../sessions/keys.js';
import type { SessionStore } from '../sessions/session-store.js';
import type { RecordingWriter } from '../cobrowse/recording.js';

const IN_PROGRESS = new Set(['queued', 'offered', 'active', 'escalating', 'transferring']);
export const chatKey = (sessionId: string): string => `sess:${sessionId}:chat`;

/**
 * The session's chat: participants (not silent monitors) write, everyone in the session reads.
 * Messages live in a Redis stream next to the session (kept with it) and go into the recording.
 */
export function registerChatRequests(
  requests: RequestRouter,
  io: AppServer,
  redis: RedisClient,
  sessions: SessionStore,
  recording: RecordingWriter,
  config: Config,
): void {
  const limits = config.chat;
  requests.on('chat:send', ['taxpayer', 'agent', 'expert', 'supervisor'], async ({ principal }, { sessionId, text, clientId }) => {
    const session = await sessions.requireParticipant(sessionId, principal);
    if (!IN_PROGRESS.has(session.state ?? '')) throw new ProtocolError('CONFLICT', 'The session is over');
    if (principal.role === 'supervisor' && (await redis.sIsMember(`sess:${sessionId}:monitors`, principal.sub)) === 1) {
      throw new ProtocolError('FORBIDDEN', 'A silent monitor does not write in the chat');
    }
    const body = text.trim();
    if (!body) throw new ProtocolError('VALIDATION_FAILED', 'The message is empty');
    if (body.length > limits.maxMessageChars) throw new ProtocolError('PAYLOAD_TOO_LARGE', `Messages may have ${limits.maxMessageChars} characters`);
    const rateKey = `chat:rate:${sessionId}:${participantId(principal.role, principal.sub)}:${Math.floor(Date.now() / 60_000)}`;
    const sent = await redis.incr(rateKey);
    await redis.expire(rateKey, 120);
    if (sent > limits.maxPerMinute) throw new ProtocolError('RATE_LIMITED', `At most ${limits.maxPerMinute} messages a minute`);
    const at = new Date().toISOString();
    const from = { id: principal.sub, role: principal.role, name: principal.name };
    const id = await redis.xAdd(chatKey(sessionId), '*', { at, fromId: from.id, fromRole: from.role, fromName: from.name, text: body }, { TRIM: { strategy: 'MAXLEN', strategyModifier: '~', threshold: limits.historyLimit } });
    await redis.expire(chatKey(sessionId), config.dispatch.retentionDays * 86_400);
    const message: ChatMessage = { sessionId, id, at, from, text: body, ...(clientId ? { clientId } : {}) };
    recording.append(sessionId, 'chat', { from, text: body });
    io.to(rooms.session(sessionId)).emit('chat:message', message);
    return message;
  });

  requests.on('chat:history', ['taxpayer', 'agent', 'expert', 'supervisor'], async ({ principal }, { sessionId }) => {
    await sessions.requireParticipant(sessionId, principal);
    const entries = await redis.xRange(chatKey(sessionId), '-', '+');
    return {
      messages: entries.map((e) => ({
        sessionId,
        id: e.id,
        at: e.message.at ?? '',
        from: { id: e.message.fromId ?? '', role: e.message.fromRole ?? '', name: e.message.fromName ?? '' },
        text: e.message.text ?? '',
      })),
    };
  });
}
