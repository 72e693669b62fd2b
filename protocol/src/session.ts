import { Type, type Static } from '@sinclair/typebox';
import { SESSION_STATES } from './lifecycle.js';
import { CallbackStatus } from './callback.js';
import { CATALOG_ID_PATTERN, CatalogEntry, LANGUAGE_ID_PATTERN } from './catalog.js';

/** Languages an agent can serve in and a taxpayer can ask for. */
export const LanguageSchema = Type.String({ pattern: LANGUAGE_ID_PATTERN, maxLength: 12 });
/** Topics are data of the published catalog (invoice, refund, ...); the dispatcher checks them against it. */
export const TopicSchema = Type.String({ pattern: CATALOG_ID_PATTERN });

export const CHANNELS = ['video', 'voice', 'text'] as const;
export type Channel = (typeof CHANNELS)[number];
export const ChannelSchema = Type.Union(CHANNELS.map((c) => Type.Literal(c)));

export const PRIORITY_GROUPS = ['normal', 'elderly', 'disabled', 'pregnant'] as const;
export type PriorityGroup = (typeof PRIORITY_GROUPS)[number];
export const PriorityGroupSchema = Type.Union(PRIORITY_GROUPS.map((p) => Type.Literal(p)));

export const SessionStateSchema = Type.Union(SESSION_STATES.map((s) => Type.Literal(s)));

const PortalEntry = Type.Object({ kind: Type.Literal('portal'), page: Type.String({ maxLength: 500 }) }, { additionalProperties: false });

const kioskId = Type.String({ minLength: 1, maxLength: 64 });

/** Where the taxpayer pressed "Human help": a portal page, or a registered kiosk in its hall (by id: a renamed hall keeps its sessions). */
export const EntryPoint = Type.Union([
  PortalEntry,
  Type.Object({ kind: Type.Literal('kiosk'), kioskId, hallId: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
  /** A session recorded before entries carried the hall's id: the hall's zh name as it was then. */
  Type.Object({ kind: Type.Literal('kiosk'), kioskId, hall: Type.String({ minLength: 1, maxLength: 128 }) }, { additionalProperties: false }),
]);
export type EntryPoint = Static<typeof EntryPoint>;

/**
 * How a kiosk says it is one: its device token (POST /api/devices/token, protocol/src/devices.ts).
 * The service reads the kiosk and its hall from the registry, so a web page cannot name them.
 */
export const KioskEntryClaim = Type.Object({ kind: Type.Literal('kiosk'), device: Type.String({ minLength: 1, maxLength: 4096 }) }, { additionalProperties: false });

export const HelpRequest = Type.Object(
  {
    language: LanguageSchema,
    topic: TopicSchema,
    channel: ChannelSchema,
    /** Absent: the group the portal's token grants (TaxpayerClaims.priority); `normal` declines it. */
    priority: Type.Optional(PriorityGroupSchema),
    entry: Type.Union([PortalEntry, KioskEntryClaim]),
    /** The question in the taxpayer's own words, typed before the knowledge base's answers did not do (HELP_QUESTION_MAX_CHARS). */
    question: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
export type HelpRequest = Static<typeof HelpRequest>;

/** A help request as the service takes it: its priority group and entry point established (server/src/sessions/help-claims.ts). */
export type AdmittedHelpRequest = Omit<HelpRequest, 'entry' | 'priority'> & { entry: EntryPoint; priority: PriorityGroup };

/** What a refused help request claimed that it may not (CLAIM_NOT_GRANTED): the priority group or the kiosk entry. */
export const HELP_CLAIMS = ['priority', 'kiosk'] as const;
export const HelpClaimRefusal = Type.Object({ claim: Type.Union(HELP_CLAIMS.map((c) => Type.Literal(c))) });
export type HelpClaimRefusal = Static<typeof HelpClaimRefusal>;

/**
 * What the widget may offer a taxpayer of this portal (GET /api/help/options, public: the same for
 * every visitor): the topics and languages of the service's catalog, and what a page may claim for itself.
 */
export const HelpOptions = Type.Object({
  /** The catalog version these options are of (its ETag too). */
  version: Type.Integer({ minimum: 1 }),
  /** The active topics only. */
  topics: Type.Array(CatalogEntry),
  languages: Type.Array(CatalogEntry),
  /** The priority groups a page may choose ('normal' only, unless the deployment trusts its pages: HELP_CLIENT_PRIORITY_ALLOWED). */
  priorityGroups: Type.Array(PriorityGroupSchema),
  /** The longest question a help request may carry (HELP_QUESTION_MAX_CHARS): the help form's question box holds no more. */
  questionMaxChars: Type.Integer({ minimum: 1 }),
  /** The longest text the knowledge base's search takes (KNOWLEDGE_SEARCH_QUERY_MAX_CHARS): the form searches with the question's beginning. */
  searchMaxChars: Type.Integer({ minimum: 1 }),
});
export type HelpOptions = Static<typeof HelpOptions>;

export const SessionRef = Type.Object({ sessionId: Type.String({ pattern: '^[A-Za-z0-9_-]{8,64}$' }) }, { additionalProperties: false });
export type SessionRef = Static<typeof SessionRef>;

export const TIERS = ['frontline', 'expert'] as const;
export type Tier = (typeof TIERS)[number];
export const TierSchema = Type.Union(TIERS.map((t) => Type.Literal(t)));

/** What a participant sees of a session; queue figures only while it waits. */
export const SessionSummary = Type.Object({
  sessionId: Type.String(),
  state: SessionStateSchema,
  language: LanguageSchema,
  topic: TopicSchema,
  channel: ChannelSchema,
  priority: PriorityGroupSchema,
  createdAt: Type.String({ format: 'date-time' }),
  /** 1 = next in line. */
  queuePosition: Type.Optional(Type.Integer({ minimum: 1 })),
  /** Estimated from the agents on duty for the request's skills only; absent while there are none. */
  estimatedWaitS: Type.Optional(Type.Integer({ minimum: 0 })),
  /**
   * While waiting: whether any agent who could take the request (its skills, widening included) is
   * on duty, i.e. signed in and available (idle, busy or wrapping up), not away or offline. False:
   * nobody will come until one is, and the taxpayer is told so instead of a position or a wait.
   */
  agentOnDuty: Type.Optional(Type.Boolean()),
  agent: Type.Optional(Type.Object({ id: Type.String(), name: Type.String() })),
  /** In the callback state: how long the place is kept and whether an agent waits for the taxpayer now. */
  callback: Type.Optional(CallbackStatus),
  /** In wrap-up: when the wrap-up time ends (epoch ms) and the session closes by itself. */
  wrapUpUntil: Type.Optional(Type.Integer({ minimum: 0 })),
});
export type SessionSummary = Static<typeof SessionSummary>;

export const Rating = Type.Object(
  {
    sessionId: SessionRef.properties.sessionId,
    score: Type.Integer({ minimum: 1, maximum: 5 }),
    comment: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);
export type Rating = Static<typeof Rating>;

/** A short code a taxpayer reads to a hotline agent, who then joins that session directly. */
export const SessionCode = Type.Object({ code: Type.String({ pattern: '^[0-9]{6}$' }), expiresInS: Type.Integer() });
export type SessionCode = Static<typeof SessionCode>;
export const JoinByCode = Type.Object({ code: Type.String({ pattern: '^[0-9]{6}$' }) }, { additionalProperties: false });
