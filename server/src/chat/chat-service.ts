import { CHAT_COMMANDS, sessionIs, ProtocolError, type Attachment, type ChatMessage, type Principal } from '@etax-assist/protocol';
import type { RecordingWriter } from '../cobrowse/recording.js';
import type { Config } from '../config/env.js';
import { rooms } from '../realtime/rooms.js';
import type { AppServer } from '../realtime/socket-server.js';
import type { RedisClient } from '../redis/client.js';
import { LuaScript } from '../redis/lua-script.js';
import { luaLocal } from '../redis/lua-source.js';
import { recordKeys } from '../records/keys.js';
import { participantId, sessionKeys } from '../sessions/keys.js';
import type { SessionStore } from '../sessions/session-store.js';

/**
 * A session's chat: participants (not silent monitors) write, everyone in the session reads.
 * Messages (and attachments' descriptions) live in a Redis stream next to the session, kept as
 * long as the session, go into the recording, and reach PostgreSQL through the records outbox
 * (server/lua/chat.lua writes both in one step).
 */
export class ChatService {
  readonly #script: LuaScript<typeof CHAT_COMMANDS>;

  constructor(
    private readonly io: AppServer,
    private readonly redis: RedisClient,
    private readonly sessions: SessionStore,
    private readonly recording: RecordingWriter,
    private readonly config: Config,
  ) {
    this.#script = new LuaScript(redis, CHAT_COMMANDS, { name: 'chat', files: ['chat.lua'], prelude: luaLocal('key', { ...sessionKeys, ...recordKeys }) });
  }

  /** Checks that the principal may write in the session now; returns the session's fields. */
  async requireWriter(sessionId: string, principal: Principal): Promise<Record<string, string>> {
    const session = await this.sessions.requireParticipant(sessionId, principal);
    if (!sessionIs(session.state ?? '', 'open')) throw new ProtocolError('CONFLICT', 'The session is over');
    if (principal.role === 'supervisor' && (await this.redis.sIsMember(sessionKeys.monitors(sessionId), principal.sub)) === 1) {
      throw new ProtocolError('FORBIDDEN', 'A silent monitor does not write in the chat');
    }
    const limits = this.config.chat;
    const rateKey = `chat:rate:${sessionId}:${participantId(principal.role, principal.sub)}:${Math.floor(Date.now() / 60_000)}`;
    const sent = await this.redis.incr(rateKey);
    await this.redis.expire(rateKey, 120);
    if (sent > limits.maxPerMinute) throw new ProtocolError('RATE_LIMITED', `At most ${limits.maxPerMinute} messages a minute`);
    return session;
  }

  async post(sessionId: string, principal: Principal, text: string, extra: { clientId?: string; attachment?: Attachment } = {}): Promise<ChatMessage> {
    const at = new Date().toISOString();
    const from = { id: principal.sub, role: principal.role, name: principal.name };
    const fields: Record<string, string> = { at, fromId: from.id, fromRole: from.role, fromName: from.name, text };
    if (extra.attachment) fields.attachment = JSON.stringify(extra.attachment);
    const { id } = await this.#script.run('post', {
      session: sessionId,
      fields,
      entry: {
        t: 'chat',
        session: sessionId,
        at,
        fromRole: from.role,
        fromId: from.id,
        fromName: from.name,
        text,
        ...(extra.attachment ? { attachmentId: extra.attachment.id } : {}),
      },
      historyLimit: this.config.chat.historyLimit,
      retentionS: this.config.dispatch.retentionDays * 86_400,
    });
    const message: ChatMessage = {
      sessionId,
      id,
      at,
      from,
      text,
      ...(extra.clientId ? { clientId: extra.clientId } : {}),
      ...(extra.attachment ? { attachment: extra.attachment } : {}),
    };
    this.recording.append(sessionId, 'chat', { from, text, ...(extra.attachment ? { attachment: extra.attachment } : {}) });
    this.io.to(rooms.session(sessionId)).emit('chat:message', message);
    return message;
  }

  async history(sessionId: string): Promise<ChatMessage[]> {
    const entries = await this.redis.xRange(sessionKeys.chat(sessionId), '-', '+');
    return entries.map((e) => ({
      sessionId,
      id: e.id,
      at: e.message.at ?? '',
      from: { id: e.message.fromId ?? '', role: e.message.fromRole ?? '', name: e.message.fromName ?? '' },
      text: e.message.text ?? '',
      ...(e.message.attachment ? { attachment: JSON.parse(e.message.attachment) as Attachment } : {}),
    }));
  }
}
