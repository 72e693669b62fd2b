import { Type, type Static } from '@sinclair/typebox';
import { InstanceInfo } from './cluster.js';
import { EntryPoint, LanguageSchema, SessionRef, SessionStateSchema, SessionSummary, TierSchema, TopicSchema, ChannelSchema, PriorityGroupSchema } from './session.js';

const SessionId = SessionRef.properties.sessionId;
const OfferId = Type.String({ pattern: '^[A-Za-z0-9_-]{8,64}:[0-9]{1,9}$' });
const AgentId = Type.String({ minLength: 1, maxLength: 128 });
const Note = Type.String({ maxLength: 2000 });

/** 'back-office': signed in doing other work, offered no session; called into the pool when a queue needs it (protocol/src/call-in.ts). */
export const AGENT_STATUSES = ['available', 'back-office', 'away', 'offline'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];
export const AgentStatusSchema = Type.Union(AGENT_STATUSES.map((s) => Type.Literal(s)));

/** An agent's own state as the dispatcher sees it: busy is derived from load. */
export const AgentState = Type.Object({
  status: AgentStatusSchema,
  wrapUp: Type.Boolean(),
  busy: Type.Boolean(),
  load: Type.Integer({ minimum: 0 }),
  capacity: Type.Integer({ minimum: 1 }),
  /** DISPATCH_MAX_CONSECUTIVE_SESSIONS reached: nothing new is offered until a break of `leftS` more seconds away (docs/dispatcher.md, "Breaks"). */
  breakDue: Type.Optional(Type.Object({ leftS: Type.Integer({ minimum: 0 }) })),
});
export type AgentState = Static<typeof AgentState>;

export const SetAgentStatus = Type.Object({ status: AgentStatusSchema }, { additionalProperties: false });
export const OfferRef = Type.Object({ offerId: OfferId }, { additionalProperties: false });

/** The taxpayer card an agent sees with an offer and in the session. */
export const SessionCard = Type.Object({
  sessionId: Type.String(),
  state: SessionStateSchema,
  taxpayer: Type.Object({
    sub: Type.String(),
    name: Type.String(),
    taxpayerId: Type.String(),
    company: Type.String(),
  }),
  entry: EntryPoint,
  language: LanguageSchema,
  topic: TopicSchema,
  channel: ChannelSchema,
  priority: PriorityGroupSchema,
  createdAt: Type.String({ format: 'date-time' }),
  waitedS: Type.Integer({ minimum: 0 }),
  /** What the taxpayer asked in their own words, when they typed it on the help form. */
  question: Type.Optional(Type.String()),
  /** The note of an escalation or transfer, for the agent taking it over. */
  handoverNote: Type.Optional(Type.String()),
});
export type SessionCard = Static<typeof SessionCard>;

export const OFFER_KINDS = ['primary', 'escalation', 'transfer', 'reassign'] as const;
export type OfferKind = (typeof OFFER_KINDS)[number];

export const OfferEvent = Type.Object({
  offerId: Type.String(),
  kind: Type.Union(OFFER_KINDS.map((k) => Type.Literal(k))),
  expiresInMs: Type.Integer({ minimum: 0 }),
  session: SessionCard,
  /** A callback's offer, held while the taxpayer is asked to come back: it cannot be accepted yet (an offer:new with the same id follows when they do). */
  awaitingTaxpayer: Type.Optional(Type.Boolean()),
});
export type OfferEvent = Static<typeof OfferEvent>;

export const OFFER_CLOSE_REASONS = ['accepted', 'declined', 'timeout', 'revoked'] as const;
export const OfferClosedEvent = Type.Object({
  offerId: Type.String(),
  sessionId: Type.String(),
  reason: Type.Union(OFFER_CLOSE_REASONS.map((r) => Type.Literal(r))),
});
export type OfferClosedEvent = Static<typeof OfferClosedEvent>;

export const AgentStateEvent = Type.Object({
  state: AgentState,
  /** Why the dispatcher changed it, when it was not the agent's own doing. */
  reason: Type.Optional(Type.Union([Type.Literal('offer-timeouts'), Type.Literal('heartbeat-lost'), Type.Literal('supervisor')])),
});
export type AgentStateEvent = Static<typeof AgentStateEvent>;

export const SessionNoticeEvent = Type.Object({
  sessionId: Type.String(),
  notice: Type.Union([Type.Literal('taxpayer-disconnected'), Type.Literal('agent-disconnected'), Type.Literal('agent-joined'), Type.Literal('agent-left')]),
  agent: Type.Optional(Type.Object({ id: Type.String(), name: Type.String() })),
});
export type SessionNoticeEvent = Static<typeof SessionNoticeEvent>;

export const Handover = Type.Object(
  {
    sessionId: SessionId,
    note: Note,
    /** Escalation defaults to the session's language and topic; a transfer names them. */
    language: Type.Optional(LanguageSchema),
    topic: Type.Optional(TopicSchema),
  },
  { additionalProperties: false },
);
export type Handover = Static<typeof Handover>;

export const Transfer = Type.Object(
  {
    sessionId: SessionId,
    note: Note,
    language: LanguageSchema,
    topic: TopicSchema,
    tier: Type.Optional(TierSchema),
  },
  { additionalProperties: false },
);
export type Transfer = Static<typeof Transfer>;

export const WrapUp = Type.Object({ sessionId: SessionId, notes: Note, outcome: Type.String({ pattern: '^[a-z][a-z0-9-]{0,39}$' }) }, { additionalProperties: false });
export type WrapUp = Static<typeof WrapUp>;

export const StateResult = Type.Object({ state: SessionStateSchema });

/** The sessions an agent has open (serving, handing over, wrapping up): a reloaded console rebuilds its tabs from them. */
export const AgentSessions = Type.Object({
  sessions: Type.Array(Type.Object({ card: SessionCard, summary: SessionSummary })),
});
export type AgentSessions = Static<typeof AgentSessions>;

export const Reassign = Type.Object({ sessionId: SessionId, agentId: Type.Optional(AgentId) }, { additionalProperties: false });
export const SupervisorAgentStatus = Type.Object({ agentId: AgentId, status: AgentStatusSchema }, { additionalProperties: false });
export const Observe = Type.Object({ sessionId: SessionId, mode: Type.Union([Type.Literal('monitor'), Type.Literal('join')]) }, { additionalProperties: false });
export const Empty = Type.Object({}, { additionalProperties: false });
export const Done = Type.Object({});

// Supervisor metrics ----------------------------------------------------------------------------

export const QueueMetrics = Type.Object({
  queue: Type.String(),
  language: Type.String(),
  topic: Type.String(),
  tier: Type.String(),
  waiting: Type.Integer(),
  /** Of those waiting, the ones keeping their place as a callback (docs/dispatcher.md, "Callback"). */
  callbacks: Type.Integer(),
  longestWaitS: Type.Integer(),
  averageWaitS: Type.Number(),
  /** % answered within the service-level threshold over the window; null with nothing answered. */
  serviceLevelPct: Type.Union([Type.Number(), Type.Null()]),
  answered: Type.Integer(),
  abandoned: Type.Integer(),
  /** Erlang C over the window (docs/dispatcher.md, "Staffing forecast"): the agents needed now for the target, with what it was computed from. */
  forecast: Type.Object({
    arrivalsPerHour: Type.Number(),
    handlingS: Type.Number(),
    trafficErlangs: Type.Number(),
    targetPct: Type.Integer(),
    /** null: more than DISPATCH_FORECAST_MAX_AGENTS would be needed. */
    agentsNeeded: Type.Union([Type.Integer(), Type.Null()]),
    /** On duty for the queue's skill now (available, busy or wrapping up). */
    onDuty: Type.Integer(),
  }),
});
export type QueueMetrics = Static<typeof QueueMetrics>;

export const AGENT_DISPLAY_STATES = ['available', 'busy', 'wrap-up', 'back-office', 'away', 'offline'] as const;
export type AgentDisplayState = (typeof AGENT_DISPLAY_STATES)[number];

export const AgentRow = Type.Object({
  id: Type.String(),
  name: Type.String(),
  tier: Type.String(),
  state: Type.Union(AGENT_DISPLAY_STATES.map((s) => Type.Literal(s))),
  load: Type.Integer(),
  languages: Type.Array(Type.String()),
  topics: Type.Array(Type.String()),
  /** Sessions taken since the last break (or sign-in), and the time since then (null: signed off); docs/dispatcher.md, "Breaks". */
  sessionsSinceBreak: Type.Integer(),
  sinceBreakS: Type.Union([Type.Integer(), Type.Null()]),
  /** At DISPATCH_MAX_CONSECUTIVE_SESSIONS: offered nothing new until a break. */
  breakDue: Type.Boolean(),
});

export const MediaMetrics = Type.Object({
  workers: Type.Array(
    Type.Object({
      instance: Type.String(),
      index: Type.Integer(),
      rooms: Type.Integer(),
      consumers: Type.Integer(),
      cpuPct: Type.Number(),
      maxRssKb: Type.Number(),
    }),
  ),
  sessions: Type.Array(
    Type.Object({
      sessionId: Type.String(),
      instance: Type.String(),
      workerIndex: Type.Integer(),
      consumers: Type.Integer(),
      recvKbps: Type.Number(),
      sendKbps: Type.Number(),
      lossPct: Type.Number(),
      rttMs: Type.Union([Type.Number(), Type.Null()]),
    }),
  ),
});
export type MediaMetrics = Static<typeof MediaMetrics>;

export const SupervisorMetrics = Type.Object({
  at: Type.String({ format: 'date-time' }),
  windowS: Type.Integer(),
  serviceLevelS: Type.Integer(),
  queues: Type.Array(QueueMetrics),
  agents: Type.Array(AgentRow),
  /** Per skill (language:topic:tier), how many agents are in each state. */
  agentsBySkill: Type.Record(Type.String(), Type.Record(Type.String(), Type.Integer())),
  active: Type.Array(
    Type.Object({
      sessionId: Type.String(),
      state: Type.String(),
      agentId: Type.String(),
      agentName: Type.String(),
      taxpayerName: Type.String(),
      topic: Type.String(),
      language: Type.String(),
      durationS: Type.Integer(),
      /** Where the taxpayer is: the portal (absent), or a hall's kiosk (the hall's id, GET /api/devices/halls names it). */
      hallId: Type.Optional(Type.String()),
      kioskId: Type.Optional(Type.String()),
    }),
  ),
  /** Per service hall (its id; a session begun before entries carried ids: its hall's name): kiosk sessions waiting and in progress right now. */
  halls: Type.Array(Type.Object({ hallId: Type.String(), waiting: Type.Integer(), active: Type.Integer(), kiosks: Type.Array(Type.String()) })),
  /** Calls: per worker and per session, from every instance. */
  media: MediaMetrics,
  /** The service's instances (several on one Redis), with their load and whether they drain. */
  instances: Type.Array(InstanceInfo),
  /** The latest finished sessions, newest first, to replay. */
  recent: Type.Array(
    Type.Object({
      sessionId: Type.String(),
      endedAt: Type.String({ format: 'date-time' }),
      taxpayerName: Type.String(),
      agentName: Type.String(),
      topic: Type.String(),
      outcome: Type.String(),
      rating: Type.Optional(Type.Integer()),
      /** What the taxpayer wrote with the rating (their own text: shown as text). */
      ratingComment: Type.Optional(Type.String()),
    }),
  ),
  today: Type.Object({
    requests: Type.Integer(),
    served: Type.Integer(),
    sessionHours: Type.Number(),
    escalations: Type.Integer(),
    transfers: Type.Integer(),
    abandoned: Type.Integer(),
    /** Callbacks the taxpayer did not come back to. */
    missed: Type.Integer(),
    offers: Type.Object({ made: Type.Integer(), accepted: Type.Integer(), declined: Type.Integer(), timedOut: Type.Integer(), revoked: Type.Integer() }),
    /** Sessions ended today by wrap-up outcome. */
    outcomes: Type.Record(Type.String(), Type.Integer()),
  }),
  /** One sample a minute over the last hours: the queue and the pool, for the trend chart. */
  trend: Type.Array(Type.Object({ at: Type.Number(), waiting: Type.Integer(), longestWaitS: Type.Integer(), active: Type.Integer(), available: Type.Integer() })),
});
export type SupervisorMetrics = Static<typeof SupervisorMetrics>;
