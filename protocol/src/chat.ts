import { Type, type Static } from '@sinclair/typebox';
import { SessionRef } from './session.js';

const SessionId = SessionRef.properties.sessionId;

export const ChatSend = Type.Object(
  { sessionId: SessionId, text: Type.String({ minLength: 1, maxLength: 4000 }), clientId: Type.Optional(Type.String({ maxLength: 64 })) },
  { additionalProperties: false },
);
export type ChatSend = Static<typeof ChatSend>;

export const Attachment = Type.Object({
  id: Type.String(),
  name: Type.String(),
  type: Type.String(),
  size: Type.Integer(),
});
export type Attachment = Static<typeof Attachment>;

export const ChatMessage = Type.Object({
  sessionId: Type.String(),
  id: Type.String(),
  at: Type.String({ format: 'date-time' }),
  from: Type.Object({ id: Type.String(), role: Type.String(), name: Type.String() }),
  text: Type.String(),
  attachment: Type.Optional(Attachment),
  /** Echo of the sender's id for the message, so it can match its optimistic copy. */
  clientId: Type.Optional(Type.String()),
});
export type ChatMessage = Static<typeof ChatMessage>;

export const ChatHistory = Type.Object({ messages: Type.Array(ChatMessage) });
export type ChatHistory = Static<typeof ChatHistory>;
