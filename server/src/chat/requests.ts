import { ProtocolError } from '@etax-assist/protocol';
import type { Config } from '../config/env.js';
import type { RequestRouter } from '../realtime/requests.js';
import type { SessionStore } from '../sessions/session-store.js';
import type { ChatService } from './chat-service.js';

/** The chat over the session socket. */
export function registerChatRequests(requests: RequestRouter, chat: ChatService, sessions: SessionStore, config: Config): void {
  requests.on('chat:send', ['taxpayer', 'agent', 'expert', 'supervisor'], async ({ principal }, { sessionId, text, clientId }) => {
    const body = text.trim();
    if (!body) throw new ProtocolError('VALIDATION_FAILED', 'The message is empty');
    if (body.length > config.chat.maxMessageChars) throw new ProtocolError('PAYLOAD_TOO_LARGE', `Messages may have ${config.chat.maxMessageChars} characters`);
    await chat.requireWriter(sessionId, principal);
    return chat.post(sessionId, principal, body, clientId ? { clientId } : {});
  });

  requests.on('chat:history', ['taxpayer', 'agent', 'expert', 'supervisor'], async ({ principal }, { sessionId }) => {
    await sessions.requireParticipant(sessionId, principal);
    return { messages: await chat.history(sessionId) };
  });
}
