import type { OfferKind } from './dispatch.js';

/** A session's states, in the order a session goes through them. */
export const SESSION_STATES = ['queued', 'callback', 'offered', 'active', 'escalating', 'transferring', 'wrap-up', 'ended', 'cancelled', 'abandoned', 'missed'] as const;
export type SessionState = (typeof SESSION_STATES)[number];

type Unplaced<Placed> = Exclude<SessionState, Placed>;

/** Checked by the compiler: a state that is neither open nor over does not compile (the error names it). */
function groups<const G extends { open: readonly SessionState[]; over: readonly SessionState[] }>(
  table: G & ([Unplaced<G['open' | 'over'][number]>] extends [never] ? unknown : { unplacedStates: Unplaced<G['open' | 'over'][number]> }),
): G {
  return table;
}

/**
 * The named groups of states every part of the service reasons with, declared once so that they
 * cannot disagree (a state added to SESSION_STATES is placed in its groups here).
 */
export const SESSION_GROUPS = groups({
  /** Asked for, nobody serving yet (`callback`: keeping its place while the taxpayer is elsewhere). */
  waiting: ['queued', 'callback', 'offered'],
  /** An agent serves it (also while it is handed over). */
  served: ['active', 'escalating', 'transferring'],
  /** Not over yet: waiting or served. */
  open: ['queued', 'callback', 'offered', 'active', 'escalating', 'transferring'],
  /** The taxpayer's part is over: wrap-up and the final states. */
  over: ['wrap-up', 'ended', 'cancelled', 'abandoned', 'missed'],
  /** Nothing more happens to it. */
  final: ['ended', 'cancelled', 'abandoned', 'missed'],
});
export type SessionGroup = keyof typeof SESSION_GROUPS;

/** Whether a state (as stored, a plain string, maybe missing) belongs to the group. */
export function sessionIs(state: string | undefined, group: SessionGroup): boolean {
  return state !== undefined && (SESSION_GROUPS[group] as readonly string[]).includes(state);
}

/** Where a session comes from before its first state: no session yet. */
export const NEW_SESSION = 'new';

/** Why the dispatcher refuses a transition from a state it does not lead from. */
export interface TransitionRefusal {
  code: 'CONFLICT' | 'OFFER_EXPIRED';
  message: string;
  /** The message ends with ` (state: <the session's state>)`. */
  naming?: 'state';
}

/** One way a session's state changes: from each state it may happen in, the state it leads to. */
export interface Transition {
  from: Partial<Record<SessionState | typeof NEW_SESSION, SessionState>>;
  /** For transitions a caller asks for; the ones the dispatcher makes itself only happen where allowed. */
  refusal?: TransitionRefusal;
}

type StatesOf<T extends Record<string, Transition>> = {
  [N in keyof T]: Extract<keyof T[N]['from'], SessionState> | NonNullable<T[N]['from'][keyof T[N]['from']]>;
}[keyof T];

/**
 * The table, checked by the compiler: a state of SESSION_STATES that no transition leaves or
 * reaches does not compile (the error names it), and neither does a misspelt state or an offer
 * kind without its `accept:` transition.
 */
function lifecycle<const T extends Record<string, Transition> & Record<`accept:${OfferKind}`, Transition>>(
  table: T & ([Unplaced<StatesOf<T>>] extends [never] ? unknown : { unplacedStates: Unplaced<StatesOf<T>> }),
): T {
  return table;
}

const NOT_IN_PROGRESS = { code: 'CONFLICT', message: 'The session is not in progress' } as const;
const NOT_ACTIVE = { code: 'CONFLICT', message: 'The session is not active', naming: 'state' } as const;
const MOVED_ON = { code: 'OFFER_EXPIRED', message: 'The session has moved on', naming: 'state' } as const;

/**
 * Every change of a session's state the dispatcher (server/lua/dispatch/) makes, by name: the
 * script is handed this table when it is loaded and each command goes through its one guard, so
 * a transition allowed here is allowed there, and refused with the same code and message.
 * `accept:<offer kind>` and `handover:<kind>` are looked up by the offer's or hand-over's kind.
 */
export const SESSION_TRANSITIONS = lifecycle({
  /** A taxpayer asks for help. */
  request: { from: { new: 'queued' } },
  /** The taxpayer leaves the queue (or hangs up before anybody took the session). */
  cancel: {
    from: { queued: 'cancelled', callback: 'cancelled', offered: 'cancelled' },
    refusal: { code: 'CONFLICT', message: 'Only a waiting request can be cancelled', naming: 'state' },
  },
  /** The dispatcher offers a waiting session to an agent. */
  offer: { from: { queued: 'offered' } },
  /** A primary offer was declined, timed out or revoked: the session waits again (a callback's held offer: still as a callback). */
  requeue: { from: { offered: 'queued', callback: 'callback' } },
  /** The taxpayer leaves the page and keeps the request's place: to be called back on the portal (docs/dispatcher.md, "Callback"). */
  callback: {
    from: { queued: 'callback' },
    refusal: { code: 'CONFLICT', message: 'Only a queued request can wait for a callback', naming: 'state' },
  },
  /** An agent is free for a callback: its offer is held while the taxpayer is asked to come back (the state stays). */
  recall: { from: { callback: 'callback' } },
  /** The taxpayer came back to a held offer: it goes to the agent as any offer. */
  answerCallback: {
    from: { callback: 'offered' },
    refusal: { code: 'CONFLICT', message: 'The request is not waiting for a callback', naming: 'state' },
  },
  /** The taxpayer did not come back twice (or the place was kept as long as it may be). */
  miss: { from: { callback: 'missed' } },
  'accept:primary': { from: { offered: 'active' }, refusal: MOVED_ON },
  'accept:escalation': { from: { escalating: 'active' }, refusal: MOVED_ON },
  'accept:transfer': { from: { transferring: 'active' }, refusal: MOVED_ON },
  'accept:reassign': { from: { active: 'active' }, refusal: MOVED_ON },
  'handover:escalation': { from: { active: 'escalating' }, refusal: NOT_ACTIVE },
  'handover:transfer': { from: { active: 'transferring' }, refusal: NOT_ACTIVE },
  cancelHandover: {
    from: { escalating: 'active', transferring: 'active' },
    refusal: { code: 'CONFLICT', message: 'No hand-over in progress' },
  },
  /** The agent ends the conversation (or the taxpayer hangs up): wrap-up begins. */
  finish: {
    from: { active: 'wrap-up', escalating: 'wrap-up', transferring: 'wrap-up' },
    refusal: { ...NOT_IN_PROGRESS, naming: 'state' },
  },
  wrapUp: { from: { 'wrap-up': 'ended' }, refusal: { code: 'CONFLICT', message: 'The session is not in wrap-up', naming: 'state' } },
  /** Wrap-up time ran out before the agent sent notes and outcome. */
  autoWrapUp: { from: { 'wrap-up': 'ended' } },
  /** A supervisor (or a hotline agent typing the session code) offers the session to one agent. */
  reassignTo: {
    from: { queued: 'offered', active: 'active' },
    refusal: { code: 'CONFLICT', message: 'Only a queued or active session can be reassigned', naming: 'state' },
  },
  /** A supervisor puts a session in progress back at the head of its queue. */
  reassignToQueue: {
    from: { active: 'queued', escalating: 'queued', transferring: 'queued' },
    refusal: { code: 'CONFLICT', message: 'Only a session in progress can be put back in the queue' },
  },
  /** The session's agent went offline or lost its heartbeat: back at the head of the queue. */
  agentLost: { from: { active: 'queued', escalating: 'queued', transferring: 'queued' } },
  /** A supervisor joins or monitors (the state stays). */
  observe: { from: { active: 'active', escalating: 'escalating', transferring: 'transferring' }, refusal: NOT_IN_PROGRESS },
  /** The taxpayer's grace period ran out while waiting. */
  abandon: { from: { queued: 'abandoned', offered: 'abandoned' } },
  /** A waiting session's due widening step adds skill keys (the state stays). */
  widen: { from: { queued: 'queued', callback: 'callback', escalating: 'escalating', transferring: 'transferring' } },
});
export type TransitionName = keyof typeof SESSION_TRANSITIONS;
