import { Type, type Static } from '@sinclair/typebox';
import { CALL_IN_ANSWERS, CallInTriggerSchema } from './call-in.js';
import { SESSION_GROUPS } from './lifecycle.js';
import { AgentStatusSchema } from './dispatch.js';
import type { ScriptCommands } from './script-command.js';

/**
 * What the Lua scripts append to the records outbox (one Redis stream, docs/records.md) in the
 * same atomic step as the change itself, and what the archiver writes to PostgreSQL. Each stream
 * entry holds one field, `entry`, this JSON; the entry's stream id is its idempotency key.
 */

/** The kinds of session event the dispatcher records (server/lua/dispatch/, `log_event`); `rated`: the taxpayer's rating (details `rated`, `comment`). */
export const SESSION_EVENT_KINDS = ['state', 'offer', 'left', 'reassign', 'monitor', 'join', 'unobserve', 'taxpayer', 'widened', 'relaxed', 'rated', 'recall', 'callback'] as const;
export type SessionEventKind = (typeof SESSION_EVENT_KINDS)[number];

/**
 * The consent and control changes the co-browsing script records (server/lua/cobrowse.lua,
 * `audit`). `control-revoked`: the taxpayer ended control (or the request) someone held;
 * `control-stopped`: its holder gave it up; `control-ended`: the service ended it (`reason`:
 * the request lapsed, its holder left, the session is over).
 */
export const COBROWSE_EVENT_KINDS = [
  'consent-given',
  'consent-withdrawn',
  'control-requested',
  'control-granted',
  'control-refused',
  'control-revoked',
  'control-stopped',
  'control-ended',
] as const;

/** What a person looked at of a session, recorded by the service before it is returned (server/src/records/audit-trail.ts). */
export const ACCESS_EVENT_KINDS = ['card-viewed', 'mirror-watched', 'mirror-unwatched', 'recording-replayed', 'attachment-downloaded'] as const;
export type AccessEventKind = (typeof ACCESS_EVENT_KINDS)[number];

const EVENT_KINDS = [...SESSION_EVENT_KINDS, ...COBROWSE_EVENT_KINDS, ...ACCESS_EVENT_KINDS];
export type OutboxEventKind = (typeof EVENT_KINDS)[number];

/** The `reason` in the details of the dispatcher's refusal of a help request while the outbox is full (ARCHIVE_OUTBOX_MAX_LENGTH). */
export const OUTBOX_FULL = 'outbox-full';

/** The person whose command caused the change; absent for the service's own steps (the sweep). */
export const OutboxActor = Type.Object({ role: Type.String({ minLength: 1 }), id: Type.String({ minLength: 1 }) }, { additionalProperties: false });
export type OutboxActor = Static<typeof OutboxActor>;

const sessionId = Type.String({ minLength: 1, maxLength: 200 });

const digits = Type.String({ pattern: '^\\d+$' });
const named = Type.String({ minLength: 1 });

/**
 * The session's hash (`sess:{id}`) as the dispatcher leaves it when the session closes: the
 * fields the record is made of, and the others (`stateAt:<state>`: ms of the last entry into each
 * state; the dispatcher's own), every value a string.
 */
export const ClosedSessionFields = Type.Object(
  {
    state: Type.Union(SESSION_GROUPS.final.map((state) => Type.Literal(state))),
    createdAt: Type.String({ format: 'date-time' }),
    taxpayerSub: named,
    taxpayerName: Type.String(),
    taxpayerId: Type.String(),
    company: Type.String(),
    /** The EntryPoint (protocol/src/session.ts) as JSON. */
    entry: named,
    topic: named,
    language: named,
    channel: named,
    priority: named,
    tier: Type.Optional(Type.String()),
    agent: Type.Optional(Type.String()),
    waitMs: Type.Optional(digits),
    durationMs: Type.Optional(digits),
    notes: Type.Optional(Type.String()),
    outcome: Type.Optional(Type.String()),
    rating: Type.Optional(Type.String({ pattern: '^[1-5]$' })),
    ratingComment: Type.Optional(Type.String()),
    question: Type.Optional(Type.String()),
  },
  { additionalProperties: Type.String() },
);
export type ClosedSessionFields = Static<typeof ClosedSessionFields>;

/** A session over, as it closes: its hash, and everyone who served it (`agent:sub` / `expert:sub`, from its accepted offers). */
export const OutboxSessionRecord = Type.Object(
  { fields: ClosedSessionFields, served: Type.Array(Type.String({ pattern: '^(agent|expert):.+$' })) },
  { additionalProperties: false },
);
export type OutboxSessionRecord = Static<typeof OutboxSessionRecord>;

export const OutboxSessionEvent = Type.Object(
  {
    t: Type.Literal('event'),
    session: sessionId,
    /** Ms since the epoch: Redis server time (the scripts), the instance's clock (what people look at). */
    at: Type.Integer({ minimum: 0 }),
    kind: Type.Union(EVENT_KINDS.map((kind) => Type.Literal(kind))),
    actor: Type.Optional(OutboxActor),
    /** The event's fields as the session's event stream has them (`state`, `agent`, `via`…). */
    details: Type.Record(Type.String(), Type.String()),
    /** On the event that closes the session: the session's record. */
    record: Type.Optional(OutboxSessionRecord),
  },
  { additionalProperties: false },
);
export type OutboxSessionEvent = Static<typeof OutboxSessionEvent>;

export const OutboxChatMessage = Type.Object(
  {
    t: Type.Literal('chat'),
    session: sessionId,
    /** The message's id: its entry id in the session's chat stream. */
    id: Type.String({ pattern: '^\\d+-\\d+$' }),
    at: Type.String({ format: 'date-time' }),
    fromRole: Type.String({ minLength: 1 }),
    fromId: Type.String({ minLength: 1 }),
    fromName: Type.String(),
    text: Type.String(),
    attachmentId: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);
export type OutboxChatMessage = Static<typeof OutboxChatMessage>;

/**
 * An agent's status, wrap-up flag, load or capacity changed (server/lua/dispatch/agents.lua,
 * `record_agents`): its state from `at` on, until its next entry — what the per-agent reports
 * cut into intervals (docs/reports.md). One entry per agent and command, only when one of these
 * changed. `actor`: the supervisor who forced the change.
 */
export const OutboxAgentActivity = Type.Object(
  {
    t: Type.Literal('agent'),
    agent: Type.String({ minLength: 1, maxLength: 200 }),
    /** Ms since the epoch, Redis server time. */
    at: Type.Integer({ minimum: 0 }),
    status: AgentStatusSchema,
    wrap: Type.Boolean(),
    load: Type.Integer({ minimum: 0 }),
    capacity: Type.Integer({ minimum: 0 }),
    actor: Type.Optional(OutboxActor),
  },
  { additionalProperties: false },
);
export type OutboxAgentActivity = Static<typeof OutboxAgentActivity>;

/**
 * A call-in made, or its answer (server/lua/dispatch/call-in-commands.lua): each entry carries the
 * whole call-in as made (who or what triggered it, the queue, its gap and longest wait then), an
 * answer also how long it took (docs/dispatcher.md, "Call-ins"). `actor`: the supervisor of a
 * manual call-in.
 */
export const OutboxCallIn = Type.Object(
  {
    t: Type.Literal('call-in'),
    callIn: Type.String({ pattern: '^[0-9]{1,15}$' }),
    kind: Type.Union(['made', ...CALL_IN_ANSWERS].map((kind) => Type.Literal(kind))),
    /** Ms since the epoch, Redis server time: of this entry, and of the call-in. */
    at: Type.Integer({ minimum: 0 }),
    madeAt: Type.Integer({ minimum: 0 }),
    agent: Type.String({ minLength: 1, maxLength: 200 }),
    queue: Type.String({ maxLength: 200 }),
    trigger: CallInTriggerSchema,
    actor: Type.Optional(OutboxActor),
    note: Type.String(),
    gap: Type.Integer(),
    waitS: Type.Integer({ minimum: 0 }),
    /** A decline's reason ('' for the others). */
    reason: Type.String(),
  },
  { additionalProperties: false },
);
export type OutboxCallIn = Static<typeof OutboxCallIn>;

export const OutboxEntry = Type.Union([OutboxSessionEvent, OutboxChatMessage, OutboxAgentActivity, OutboxCallIn]);
export type OutboxEntry = Static<typeof OutboxEntry>;

/** The chat's script (server/lua/chat.lua): a message into the session's chat and the outbox at once. */
export const CHAT_COMMANDS = {
  post: {
    args: Type.Object({
      session: sessionId,
      /** The chat stream's fields of the message. */
      fields: Type.Record(Type.String(), Type.String()),
      /** The outbox entry, without its `id` (the chat stream's id, known inside the script). */
      entry: Type.Omit(OutboxChatMessage, ['id']),
      historyLimit: Type.Integer({ minimum: 1 }),
      retentionS: Type.Integer({ minimum: 1 }),
    }),
    result: Type.Object({ id: Type.String() }),
  },
} as const satisfies ScriptCommands;
