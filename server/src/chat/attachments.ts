import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { sessionIs, HttpErrorResponse, ProtocolError, ROLES } from '@etax-assist/protocol';
import { principalOf } from '../auth/http-guard.js';
import type { Config } from '../config/env.js';
import type { RedisClient } from '../redis/client.js';
import type { SessionStore } from '../sessions/session-store.js';
import { checkAttachmentContent } from './attachment-content.js';
import { AttachmentQuota } from './attachment-quota.js';
import type { ChatService } from './chat-service.js';

const Params = Type.Object({ sessionId: Type.String({ pattern: '^[A-Za-z0-9_-]{8,64}$' }) });
const FileParams = Type.Object({ sessionId: Params.properties.sessionId, attachmentId: Type.String({ pattern: '^[A-Za-z0-9_-]{8,32}$' }) });
const Query = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) });
export const attachmentKey = (sessionId: string, id: string) => `att:${sessionId}:${id}`;
/** Files are exchanged with an agent: not while queued, where a cancelled request would keep them for the retention period. */

/** A file name safe to show and to send back: no path, no control characters. */
function cleanName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? 'file';
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
  return base.replace(/[\u0000-\u001f\u007f"]/g, '').slice(0, 200) || 'file';
}

export interface AttachmentRoutesOptions {
  config: Config;
  redis: RedisClient;
  sessions: SessionStore;
  chat: ChatService;
}

/**
 * Chat attachments: uploaded as the raw body (its Content-Type one of CHAT_ATTACHMENT_TYPES and its
 * bytes of that type, at most CHAT_MAX_ATTACHMENT_BYTES, within the session's and the taxpayer's
 * daily allowance) while an agent serves the session, stored next to the session for its retention,
 * announced in the chat, downloaded by the session's participants with their bearer token.
 */
export async function attachmentRoutes(app: FastifyInstance, { config, redis, sessions, chat }: AttachmentRoutesOptions): Promise<void> {
  const { attachmentTypes, maxAttachmentBytes } = config.chat;
  const quota = new AttachmentQuota(redis, config);
  app.addContentTypeParser(attachmentTypes, { parseAs: 'buffer', bodyLimit: maxAttachmentBytes }, (_request, body, done) => done(null, body));

  app.post<{ Params: Static<typeof Params>; Querystring: Static<typeof Query> }>(
    '/api/sessions/:sessionId/attachments',
    {
      config: { auth: ['taxpayer', 'agent', 'expert', 'supervisor'] },
      bodyLimit: maxAttachmentBytes,
      schema: { params: Params, querystring: Query, response: { '4xx': HttpErrorResponse } },
    },
    async (request) => {
      const principal = principalOf(request);
      const { sessionId } = request.params;
      const body = request.body;
      if (!Buffer.isBuffer(body) || body.length === 0) throw new ProtocolError('VALIDATION_FAILED', 'The file is empty');
      const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim();
      const session = await chat.requireWriter(sessionId, principal);
      if (!sessionIs(session.state ?? '', 'served')) throw new ProtocolError('CONFLICT', 'Files can be sent once an agent has joined the session');
      checkAttachmentContent(type, body);
      await quota.reserve(sessionId, principal, body.length);
      const id = randomBytes(12).toString('base64url');
      const name = cleanName(request.query.name);
      await redis.set(attachmentKey(sessionId, id), JSON.stringify({ type, name, data: body.toString('base64') }), { EX: config.dispatch.retentionDays * 86_400 });
      return chat.post(sessionId, principal, name, { attachment: { id, name, type, size: body.length } });
    },
  );

  app.get<{ Params: Static<typeof FileParams> }>(
    '/api/sessions/:sessionId/attachments/:attachmentId',
    { config: { auth: ROLES }, schema: { params: FileParams } },
    async (request, reply) => {
      const { sessionId, attachmentId } = request.params;
      await sessions.requireParticipant(sessionId, principalOf(request));
      const stored = await redis.get(attachmentKey(sessionId, attachmentId));
      if (!stored) throw new ProtocolError('NOT_FOUND', 'No such file');
      const file = JSON.parse(stored) as { type: string; name: string; data: string };
      return reply
        .header('content-type', file.type)
        .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}`)
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "sandbox; default-src 'none'")
        .send(Buffer.from(file.data, 'base64'));
    },
  );
}
