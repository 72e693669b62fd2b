import type { Attachment } from '@etax-assist/protocol';
import { sessionCountKey } from '../chat/attachment-quota.js';
import { attachmentKey } from '../chat/attachments.js';
import { cobrowseKeys } from '../cobrowse/keys.js';
import type { RedisClient } from '../redis/client.js';
import { sessionKeys } from '../sessions/keys.js';

/**
 * Every Redis key an ended session leaves behind (sessions/keys.ts, cobrowse/keys.ts, the chat's
 * attachments and their count; the hotline code it may still have), read from what the session's
 * own keys name: its chat stream names its attachments, its code key the code.
 */
export async function sessionHotKeys(redis: RedisClient, sessionId: string): Promise<string[]> {
  const [messages, code] = await Promise.all([redis.xRange(sessionKeys.chat(sessionId), '-', '+'), redis.get(sessionKeys.code(sessionId))]);
  const attachments = messages.flatMap((m) => (m.message.attachment ? [attachmentKey(sessionId, (JSON.parse(m.message.attachment) as Attachment).id)] : []));
  return [
    sessionKeys.session(sessionId),
    sessionKeys.participants(sessionId),
    sessionKeys.events(sessionId),
    sessionKeys.declined(sessionId),
    sessionKeys.monitors(sessionId),
    sessionKeys.chat(sessionId),
    sessionKeys.code(sessionId),
    ...(code ? [sessionKeys.hotlineCode(code)] : []),
    cobrowseKeys.state(sessionId),
    cobrowseKeys.live(sessionId),
    cobrowseKeys.recording(sessionId),
    sessionCountKey(sessionId),
    ...attachments,
  ];
}
