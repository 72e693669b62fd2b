import { Type, type Static } from '@sinclair/typebox';
import { WrapUp } from './dispatch.js';
import { SESSION_GROUPS } from './lifecycle.js';
import type { OutboxEventKind } from './outbox.js';
import { EntryPoint, SessionRef, TopicSchema } from './session.js';

/**
 * Reading the system of record (docs/records.md, "Reading"): the supervisors' search of ended
 * sessions, one session's record with its audit trail and chat, over HTTP
 * (`GET /api/records/sessions`, `GET /api/records/sessions/:id`).
 */

/** Where a page ends: opaque to clients, passed back as `cursor` for the next page. */
export const RecordCursor = Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9_-]+$' });

/**
 * The kinds of audit row the reads themselves write (beside the dispatcher's SESSION_EVENT_KINDS):
 * a session listed by a supervisor's search, opened by a supervisor, or its taxpayer's history
 * viewed by whoever serves it.
 */
export const RECORD_READ_KINDS = ['record-listed', 'record-viewed', 'history-viewed'] as const;
export type RecordReadKind = (typeof RECORD_READ_KINDS)[number];
/** Every kind of row a session's audit trail holds: what the outbox carries, and the reads' own. */
export type AuditEventKind = OutboxEventKind | RecordReadKind;

/** The states a `sessions` row can have: the final ones (a session is archived once nothing more happens to it). */
const FinalState = Type.Union(SESSION_GROUPS.final.map((s) => Type.Literal(s)));

const Filter = Type.String({ minLength: 1, maxLength: 200 });

export const RecordSearchQuery = Type.Object(
  {
    /** Sessions that began at or after `from` and before `to`; the span is bounded (RECORDS_SEARCH_MAX_DAYS). */
    from: Type.String({ format: 'date-time' }),
    to: Type.String({ format: 'date-time' }),
    /** The taxpayer's subject (portal id) or tax id. */
    taxpayer: Type.Optional(Filter),
    /** An agent or expert who served the session. */
    agent: Type.Optional(Filter),
    /** A hall's id (older rows, recorded with the hall's name: that name or the hall's current zh name). */
    hall: Type.Optional(Filter),
    kiosk: Type.Optional(Filter),
    topic: Type.Optional(TopicSchema),
    outcome: Type.Optional(WrapUp.properties.outcome),
    state: Type.Optional(FinalState),
    /** Sessions per page (at most RECORDS_PAGE_MAX). */
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    cursor: Type.Optional(RecordCursor),
  },
  { additionalProperties: false },
);
export type RecordSearchQuery = Static<typeof RecordSearchQuery>;

const Time = Type.String({ format: 'date-time' });
const OptionalTime = Type.Optional(Time);

/** A session as a search lists it. */
export const RecordSessionSummary = Type.Object({
  sessionId: Type.String(),
  state: FinalState,
  createdAt: Time,
  /** When it ended, was cancelled or abandoned. */
  closedAt: OptionalTime,
  taxpayer: Type.Object({ sub: Type.String(), name: Type.String(), taxpayerId: Type.String(), company: Type.String() }),
  entry: EntryPoint,
  topic: Type.String(),
  language: Type.String(),
  channel: Type.String(),
  priority: Type.String(),
  /** The last agent or expert, and everyone who served it. */
  agent: Type.Optional(Type.String()),
  agents: Type.Array(Type.String()),
  experts: Type.Array(Type.String()),
  waitMs: Type.Optional(Type.Integer()),
  handlingMs: Type.Optional(Type.Integer()),
  outcome: Type.Optional(Type.String()),
  rating: Type.Optional(Type.Integer({ minimum: 1, maximum: 5 })),
});
export type RecordSessionSummary = Static<typeof RecordSessionSummary>;

/**
 * The staff directory's display names, by sub, of the staff an answer mentions (who served, who
 * acted in the trail): the names as they are now, so a member renamed later shows the new name.
 * A sub the directory does not hold (a development account never signed in) is absent: show the sub.
 */
export const StaffNames = Type.Record(Type.String(), Type.String());
export type StaffNames = Static<typeof StaffNames>;

export const RecordSearchPage = Type.Object({
  sessions: Type.Array(RecordSessionSummary),
  staffNames: StaffNames,
  /** Present when there are more: the `cursor` of the next page. */
  next: Type.Optional(RecordCursor),
});
export type RecordSearchPage = Static<typeof RecordSearchPage>;

/** A session's whole row: the summary, the last time it entered each state, the wrap-up and the rating. */
export const RecordSession = Type.Composite([
  RecordSessionSummary,
  Type.Object({
    tier: Type.String(),
    stateTimes: Type.Record(Type.String(), Time),
    notes: Type.String(),
    ratingComment: Type.String(),
    /** What the taxpayer asked in their own words on the help form ('' when they typed nothing). */
    question: Type.String(),
  }),
]);
export type RecordSession = Static<typeof RecordSession>;

/** One row of the audit trail: who (none: the service itself) did what, when. */
export const RecordEvent = Type.Object({
  id: Type.String(),
  at: Time,
  kind: Type.String(),
  actor: Type.Optional(Type.Object({ role: Type.String(), id: Type.String() })),
  details: Type.Record(Type.String(), Type.Unknown()),
});
export type RecordEvent = Static<typeof RecordEvent>;

export const RecordChatMessage = Type.Object({
  id: Type.String(),
  at: Time,
  from: Type.Object({ role: Type.String(), id: Type.String(), name: Type.String() }),
  text: Type.String(),
  attachmentId: Type.Optional(Type.String()),
});
export type RecordChatMessage = Static<typeof RecordChatMessage>;

export const SessionRecordParams = SessionRef;
export type SessionRecordParams = Static<typeof SessionRecordParams>;

export const SessionRecordQuery = Type.Object(
  {
    /** Audit rows per page (at most RECORDS_PAGE_MAX). */
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    /** The `eventsNext` of the previous page: the audit trail from there on. */
    cursor: Type.Optional(RecordCursor),
  },
  { additionalProperties: false },
);
export type SessionRecordQuery = Static<typeof SessionRecordQuery>;

/** One session's record: the row, a page of its audit trail in time order, and its chat. */
export const SessionRecord = Type.Object({
  session: RecordSession,
  events: Type.Array(RecordEvent),
  /** Present when the audit trail goes on: the `cursor` of its next page. */
  eventsNext: Type.Optional(RecordCursor),
  chat: Type.Array(RecordChatMessage),
  staffNames: StaffNames,
});
export type SessionRecord = Static<typeof SessionRecord>;

// The agent's view of a taxpayer's earlier sessions (`taxpayer:history`, over the socket) -------

/** Earlier sessions per history page: the default, and the most a request may ask for. */
export const HISTORY_PAGE_SIZE = 20;
export const HISTORY_PAGE_MAX = 100;

export const HistoryEntry = Type.Object({
  sessionId: Type.String(),
  at: Type.String(),
  endedAt: Type.String({ format: 'date-time' }),
  topic: Type.String(),
  language: Type.String(),
  channel: Type.String(),
  agentName: Type.String(),
  notes: Type.String(),
  outcome: Type.String(),
});
export type HistoryEntry = Static<typeof HistoryEntry>;
/** The taxpayer's earlier sessions, newest first, a page at a time (`cursor`: the previous page's `next`). */
export const HistoryRequest = Type.Object(
  {
    sessionId: SessionRef.properties.sessionId,
    cursor: Type.Optional(RecordCursor),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: HISTORY_PAGE_MAX })),
  },
  { additionalProperties: false },
);
export type HistoryRequest = Static<typeof HistoryRequest>;
export const HistoryResult = Type.Object({ entries: Type.Array(HistoryEntry), next: Type.Optional(RecordCursor) });
export type HistoryResult = Static<typeof HistoryResult>;
