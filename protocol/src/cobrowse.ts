import { Type, type Static } from '@sinclair/typebox';
import { SessionRef } from './session.js';
import { EventType as RrwebEventType } from '@rrweb/types';

const SessionId = SessionRef.properties.sessionId;

/** rrweb's own event types (a runtime enum of @rrweb/types), for the relay and the viewer alike. */
export { RrwebEventType };

/**
 * An rrweb event as recorded by the SDK: its inner structure is rrweb's (checked by the replayer);
 * here the envelope is fixed. Batch and snapshot sizes are bounded by the server's limits.
 */
export const RecordedEvent = Type.Object({
  type: Type.Enum(RrwebEventType),
  data: Type.Unknown(),
  timestamp: Type.Number(),
});
export type RecordedEvent = Static<typeof RecordedEvent>;

export const SHARING_STATES = ['waiting', 'sharing', 'stopped'] as const;
export type SharingState = (typeof SHARING_STATES)[number];
export const CONTROL_STATES = ['none', 'requested', 'granted'] as const;
export type ControlState = (typeof CONTROL_STATES)[number];

export const CobrowseState = Type.Object({
  sessionId: Type.String(),
  sharing: Type.Union(SHARING_STATES.map((s) => Type.Literal(s))),
  control: Type.Union(CONTROL_STATES.map((s) => Type.Literal(s))),
  /** The agent who asked for or holds control. */
  controller: Type.Optional(Type.Object({ id: Type.String(), name: Type.String() })),
  /** When an open control request lapses (ms since epoch). */
  requestExpiresAt: Type.Optional(Type.Number()),
});
export type CobrowseState = Static<typeof CobrowseState>;

// Taxpayer → server
export const SetSharing = Type.Object({ sessionId: SessionId, sharing: Type.Boolean() }, { additionalProperties: false });
export const EventBatch = Type.Object(
  {
    sessionId: SessionId,
    /** Increases by one per batch, so the server can spot a gap (a lost batch) and ask for a snapshot. */
    seq: Type.Integer({ minimum: 0 }),
    events: Type.Array(RecordedEvent, { minItems: 1 }),
  },
  { additionalProperties: false },
);
export type EventBatch = Static<typeof EventBatch>;
export const EventBatchResult = Type.Object({
  accepted: Type.Integer(),
  /** The server wants a fresh full snapshot (gap, agent too far behind, joined late). */
  snapshotWanted: Type.Boolean(),
});
export const ControlAnswer = Type.Object(
  {
    sessionId: SessionId,
    grant: Type.Boolean(),
    /** The agent the taxpayer was asked about (`controller.id` of the state shown): the answer is for them only. */
    requesterId: Type.String({ minLength: 1, maxLength: 128 }),
  },
  { additionalProperties: false },
);

// Agent → server
export const MirrorJoinResult = Type.Object({
  state: CobrowseState,
  /** The latest full snapshot and every event since: enough to build the mirror at once. */
  events: Type.Array(RecordedEvent),
  /** The live buffer's last entry in `events` (see MirrorEvents.liveId). */
  liveId: Type.Optional(Type.String()),
  /**
   * The asset proxy: images and fonts of these portal origins (behind the taxpayer's login) are
   * loaded through `base?url=<absolute URL>`, which works for this session only.
   */
  assets: Type.Optional(Type.Object({ base: Type.String(), origins: Type.Array(Type.String()) })),
});
export type MirrorJoinResult = Static<typeof MirrorJoinResult>;

export const ANNOTATION_KINDS = ['pointer', 'stroke', 'highlight', 'clear'] as const;
export const Annotation = Type.Union([
  Type.Object({ kind: Type.Literal('pointer'), x: Type.Number(), y: Type.Number() }, { additionalProperties: false }),
  Type.Object(
    {
      kind: Type.Literal('stroke'),
      strokeId: Type.String({ maxLength: 40 }),
      /** Page coordinates of the taxpayer's document. */
      points: Type.Array(Type.Tuple([Type.Number(), Type.Number()]), { maxItems: 500 }),
      done: Type.Boolean(),
      color: Type.Optional(Type.String({ pattern: '^#[0-9a-fA-F]{6}$' })),
    },
    { additionalProperties: false },
  ),
  Type.Object({ kind: Type.Literal('highlight'), nodeId: Type.Integer(), caption: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('clear') }, { additionalProperties: false }),
]);
export type Annotation = Static<typeof Annotation>;
export const AnnotateRequest = Type.Object({ sessionId: SessionId, annotation: Annotation }, { additionalProperties: false });

/** What an agent in control does, addressed by rrweb node id. */
export const ControlInput = Type.Union([
  Type.Object({ action: Type.Literal('click'), nodeId: Type.Integer() }, { additionalProperties: false }),
  Type.Object({ action: Type.Literal('input'), nodeId: Type.Integer(), value: Type.String({ maxLength: 10_000 }) }, { additionalProperties: false }),
  Type.Object({ action: Type.Literal('select'), nodeId: Type.Integer(), value: Type.String({ maxLength: 1000 }) }, { additionalProperties: false }),
  Type.Object({ action: Type.Literal('check'), nodeId: Type.Integer(), checked: Type.Boolean() }, { additionalProperties: false }),
  Type.Object({ action: Type.Literal('key'), nodeId: Type.Integer(), key: Type.String({ maxLength: 20 }) }, { additionalProperties: false }),
  Type.Object({ action: Type.Literal('scroll'), nodeId: Type.Integer(), x: Type.Number(), y: Type.Number() }, { additionalProperties: false }),
]);
export type ControlInput = Static<typeof ControlInput>;
export const ControlInputRequest = Type.Object({ sessionId: SessionId, input: ControlInput }, { additionalProperties: false });

export const ControlRefusal = Type.Object(
  {
    sessionId: SessionId,
    /** The control action the page refused, and why (told to the agent). */
    reason: Type.Union([Type.Literal('masked'), Type.Literal('blocked'), Type.Literal('no-control'), Type.Literal('password'), Type.Literal('not-found')]),
    /** Which input it refused (its action and node), so the replay shows that input as refused. */
    action: Type.Union(ControlInput.anyOf.map((input) => input.properties.action)),
    nodeId: Type.Integer(),
  },
  { additionalProperties: false },
);

/**
 * Where a replay goes on: after chunk `<seq>` (its place in the recording, from 0), with
 * `:<stream id>` while the recording is read from Redis; without it once read from PostgreSQL.
 */
export const RecordingCursor = Type.String({ pattern: '^[0-9]{1,9}(:[0-9]+-[0-9]+)?$' });

export const RecordingPageRequest = Type.Object(
  { sessionId: SessionId, after: Type.Optional(RecordingCursor), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) },
  { additionalProperties: false },
);
export const RecordingPage = Type.Object({
  entries: Type.Array(Type.Object({ id: Type.String(), kind: Type.String(), at: Type.Number(), payload: Type.Unknown() })),
  /** Pass as `after` for the next page; absent at the end. */
  next: Type.Optional(RecordingCursor),
});
export type RecordingPage = Static<typeof RecordingPage>;

// Server events
/**
 * Events for a watcher. `liveId` is the live buffer's entry they were stored as: a watcher that
 * built its mirror from the buffer up to that entry (MirrorJoinResult.liveId) already has them.
 */
export const MirrorEvents = Type.Object({ sessionId: Type.String(), events: Type.Array(RecordedEvent), liveId: Type.Optional(Type.String()) });
export const AnnotationEvent = Type.Object({ sessionId: Type.String(), annotation: Annotation, from: Type.String() });
export const ControlInputEvent = Type.Object({ sessionId: Type.String(), input: ControlInput });
export const ControlRefusedEvent = Type.Object({ sessionId: Type.String(), reason: Type.String() });
export const SnapshotWantedEvent = Type.Object({ sessionId: Type.String(), reason: Type.String() });
/**
 * Told to both sides (the taxpayer and the session's staff): PAYLOAD_TOO_LARGE, a page too large to
 * share; RECORDING_LIMIT_REACHED, the session is no longer recorded (once; the live mirror goes on).
 */
export const COBROWSE_ERROR_CODES = ['PAYLOAD_TOO_LARGE', 'RECORDING_LIMIT_REACHED'] as const;
export type CobrowseErrorCode = (typeof COBROWSE_ERROR_CODES)[number];
export const CobrowseErrorEvent = Type.Object({ sessionId: Type.String(), code: Type.Union(COBROWSE_ERROR_CODES.map((c) => Type.Literal(c))), message: Type.String() });
