import { attachmentKeys } from '../chat/attachment-keys.js';
import { cobrowseKeys } from '../cobrowse/keys.js';
import { sessionKeys } from '../sessions/keys.js';

/**
 * Every Redis key a session has of its own, expired together once it is in PostgreSQL. The
 * deployment-wide indexes that name it (dp:ended, the taxpayer's history list) are not among
 * them: their readers skip a session whose hash has gone.
 */
export function sessionHotKeys(sessionId: string): string[] {
  const { session, participants, events, declined, monitors, chat, code } = sessionKeys;
  const { state, live, recording } = cobrowseKeys;
  const { files, count } = attachmentKeys;
  return [session, participants, events, declined, monitors, chat, code, state, live, recording, files, count].map((key) => key(sessionId));
}
