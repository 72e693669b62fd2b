/** A session's states, in the order a session goes through them. */
export const SESSION_STATES = [
  'queued',
  'offered',
  'active',
  'escalating',
  'transferring',
  'wrap-up',
  'ended',
  'cancelled',
  'abandoned',
] as const;
export type SessionState = (typeof SESSION_STATES)[number];

/**
 * The named groups of states every part of the service reasons with, declared once so that they
 * cannot disagree (a state added to SESSION_STATES is placed in its groups here).
 */
export const SESSION_GROUPS = {
  /** Asked for, nobody serving yet. */
  waiting: ['queued', 'offered'],
  /** An agent serves it (also while it is handed over). */
  served: ['active', 'escalating', 'transferring'],
  /** Not over yet: waiting or served. */
  open: ['queued', 'offered', 'active', 'escalating', 'transferring'],
  /** The taxpayer's part is over: wrap-up and the final states. */
  over: ['wrap-up', 'ended', 'cancelled', 'abandoned'],
  /** Nothing more happens to it. */
  final: ['ended', 'cancelled', 'abandoned'],
} as const satisfies Record<string, readonly SessionState[]>;
export type SessionGroup = keyof typeof SESSION_GROUPS;

/** Whether a state (as stored, a plain string, maybe missing) belongs to the group. */
export function sessionIs(state: string | undefined, group: SessionGroup): boolean {
  return state !== undefined && (SESSION_GROUPS[group] as readonly string[]).includes(state);
}
