/** Redis key layout of sessions, in one place so every module (and the docs) agree on it. */
export const sessionKeys = {
  /** Hash: the session's fields. */
  session: (id: string) => `sess:${id}`,
  /** Set: `role:sub` of everyone allowed into the session. */
  participants: (id: string) => `sess:${id}:participants`,
  /** Stream: every state change, for history and for instances that missed a pub/sub message. */
  events: (id: string) => `sess:${id}:events`,
  /** Set: agents who declined the session or let its offer time out (not asked again). */
  declined: (id: string) => `sess:${id}:declined`,
  /** Set: supervisors watching the session silently (not shown to the taxpayer). */
  monitors: (id: string) => `sess:${id}:monitors`,
  /** Stream: the session's chat messages. */
  chat: (id: string) => `sess:${id}:chat`,
  /** String: the session's current phone-hotline code. */
  code: (id: string) => `sess:${id}:code`,
  /** String: the session a phone-hotline code stands for (with the code's lifetime). */
  hotlineCode: (code: string) => `code:${code}`,
  /** Counter: session codes an agent tried in one minute (`minute`: since the epoch). */
  codeAttempts: (sub: string, minute: string) => `code:attempts:${sub}:${minute}`,
  /** String: the taxpayer's open session, so a second "Human help" click cannot open another. */
  taxpayerActive: (sub: string) => `taxpayer:${sub}:active`,
};

export function participantId(role: string, sub: string): string {
  return `${role}:${sub}`;
}
