import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { AuthEndedEvent, RenewToken, RenewTokenResult } from './auth.js';
import { CatalogChangedEvent } from './catalog.js';
import { HallsChangedEvent } from './devices.js';
import { ErrorBody } from './errors.js';
import {
  Consume,
  ConnectTransport,
  ConsumerParameters,
  CreateTransport,
  IceRestartResult,
  MediaJoinResult,
  MediaModeEvent,
  MediaRejoinEvent,
  MediaStatsResult,
  Produce,
  ProducerAddedEvent,
  ProducerPausedEvent,
  ProducerRef,
  ProducerRemovedEvent,
  SetMediaMode,
  SetConsumerPaused,
  SetProducerPaused,
  TransportParameters,
  TransportRef,
} from './media.js';
import {
  AnnotateRequest,
  AnnotationEvent,
  CobrowseErrorEvent,
  CobrowseState,
  ControlAnswer,
  ControlInputEvent,
  ControlInputRequest,
  ControlRefusal,
  ControlRefusedEvent,
  EventBatch,
  EventBatchResult,
  MirrorEvents,
  MirrorJoinResult,
  RecordingPage,
  RecordingPageRequest,
  SetSharing,
  SnapshotWantedEvent,
} from './cobrowse.js';
import { HelpRequest, JoinByCode, Rating, SessionCode, SessionRef, SessionSummary } from './session.js';
import { ChatHistory, ChatMessage, ChatSend } from './chat.js';
import { HistoryRequest, HistoryResult } from './records.js';
import { DrainInstance, InstanceInfo } from './cluster.js';
import {
  AgentSessions,
  AgentState,
  AgentStateEvent,
  Done,
  Empty,
  Handover,
  Observe,
  OfferClosedEvent,
  OfferEvent,
  OfferRef,
  Reassign,
  SessionCard,
  SessionNoticeEvent,
  SetAgentStatus,
  StateResult,
  SupervisorAgentStatus,
  SupervisorMetrics,
  Transfer,
  WrapUp,
} from './dispatch.js';
import { AnswerCallIn, CallInClosedEvent, CallInEvent, OpenCallIn, SupervisorCallIn } from './call-in.js';

/**
 * Every request a client makes over the socket: its payload schema and its result schema.
 * The server validates payloads against `request`; clients validate acks against `result`.
 */
export const CLIENT_REQUESTS = {
  // anyone: a fresh token for the same user, before the current one expires
  'auth:renew': { request: RenewToken, result: RenewTokenResult },
  // taxpayer
  'help:request': { request: HelpRequest, result: SessionSummary },
  'help:cancel': { request: SessionRef, result: StateResult },
  'session:resume': { request: SessionRef, result: SessionSummary },
  // taxpayer or agent
  'session:end': { request: SessionRef, result: StateResult },
  'session:rate': { request: Rating, result: Done },
  'session:code': { request: SessionRef, result: SessionCode },
  'session:join-by-code': { request: JoinByCode, result: SessionCard },
  'chat:send': { request: ChatSend, result: ChatMessage },
  'chat:history': { request: SessionRef, result: ChatHistory },
  'media:join': { request: SessionRef, result: MediaJoinResult },
  'media:create-transport': { request: CreateTransport, result: TransportParameters },
  'media:connect-transport': { request: ConnectTransport, result: Done },
  'media:produce': { request: Produce, result: Type.Object({ producerId: Type.String() }) },
  'media:consume': { request: Consume, result: ConsumerParameters },
  'media:set-consumer-paused': { request: SetConsumerPaused, result: Done },
  'media:set-producer-paused': { request: SetProducerPaused, result: Done },
  'media:close-producer': { request: ProducerRef, result: Done },
  'media:restart-ice': { request: TransportRef, result: IceRestartResult },
  'media:set-mode': { request: SetMediaMode, result: Done },
  'media:stats': { request: SessionRef, result: MediaStatsResult },
  'media:leave': { request: SessionRef, result: Done },
  // co-browsing: taxpayer
  'cobrowse:share': { request: SetSharing, result: CobrowseState },
  'cobrowse:events': { request: EventBatch, result: EventBatchResult },
  'cobrowse:control-answer': { request: ControlAnswer, result: CobrowseState },
  'cobrowse:control-refused': { request: ControlRefusal, result: Done },
  // co-browsing: agent (and supervisors watching)
  'cobrowse:watch': { request: SessionRef, result: MirrorJoinResult },
  'cobrowse:unwatch': { request: SessionRef, result: Done },
  'cobrowse:annotate': { request: AnnotateRequest, result: Done },
  'cobrowse:control-request': { request: SessionRef, result: CobrowseState },
  'cobrowse:control-input': { request: ControlInputRequest, result: Done },
  // either side
  'cobrowse:control-stop': { request: SessionRef, result: CobrowseState },
  'cobrowse:recording': { request: RecordingPageRequest, result: RecordingPage },
  // agents and experts
  'agent:status': { request: SetAgentStatus, result: AgentState },
  'offer:accept': { request: OfferRef, result: SessionCard },
  'offer:decline': { request: OfferRef, result: Done },
  'session:escalate': { request: Handover, result: StateResult },
  'session:transfer': { request: Transfer, result: StateResult },
  'session:cancel-handover': { request: SessionRef, result: StateResult },
  'session:leave': { request: SessionRef, result: Done },
  'session:wrap-up': { request: WrapUp, result: StateResult },
  'session:card': { request: SessionRef, result: SessionCard },
  'taxpayer:history': { request: HistoryRequest, result: HistoryResult },
  'agent:sessions': { request: Empty, result: AgentSessions },
  'call-in:answer': { request: AnswerCallIn, result: AgentState },
  'call-in:open': { request: Empty, result: OpenCallIn },
  // supervisors
  'supervisor:subscribe': { request: Empty, result: SupervisorMetrics },
  'supervisor:reassign': { request: Reassign, result: Done },
  'supervisor:agent-status': { request: SupervisorAgentStatus, result: Done },
  'supervisor:call-in': { request: SupervisorCallIn, result: Done },
  'supervisor:observe': { request: Observe, result: SessionCard },
  'supervisor:unobserve': { request: SessionRef, result: Done },
  'supervisor:drain-instance': { request: DrainInstance, result: InstanceInfo },
} as const satisfies Record<string, { request: TSchema; result: TSchema }>;

export type ClientRequestName = keyof typeof CLIENT_REQUESTS;
export type RequestOf<N extends ClientRequestName> = Static<(typeof CLIENT_REQUESTS)[N]['request']>;
export type ResultOf<N extends ClientRequestName> = Static<(typeof CLIENT_REQUESTS)[N]['result']>;

export type Ack<T> = { ok: true; result: T } | { ok: false; error: ErrorBody };
export const AckEnvelope = Type.Union([Type.Object({ ok: Type.Literal(true), result: Type.Unknown() }), Type.Object({ ok: Type.Literal(false), error: ErrorBody })]);

/** Events the server pushes to clients. */
export const SERVER_EVENTS = {
  'auth:ended': AuthEndedEvent,
  'session:state': SessionSummary,
  'session:notice': SessionNoticeEvent,
  'offer:new': OfferEvent,
  'offer:closed': OfferClosedEvent,
  'agent:state': AgentStateEvent,
  'call-in:new': CallInEvent,
  'call-in:closed': CallInClosedEvent,
  'supervisor:metrics': SupervisorMetrics,
  'catalog:changed': CatalogChangedEvent,
  'halls:changed': HallsChangedEvent,
  'media:producer-added': ProducerAddedEvent,
  'media:producer-removed': ProducerRemovedEvent,
  'media:producer-paused': ProducerPausedEvent,
  'media:mode': MediaModeEvent,
  'media:rejoin': MediaRejoinEvent,
  'chat:message': ChatMessage,
  'cobrowse:state': CobrowseState,
  'cobrowse:events': MirrorEvents,
  'cobrowse:annotation': AnnotationEvent,
  'cobrowse:control-input': ControlInputEvent,
  'cobrowse:control-refused': ControlRefusedEvent,
  'cobrowse:snapshot-wanted': SnapshotWantedEvent,
  'cobrowse:error': CobrowseErrorEvent,
} as const satisfies Record<string, TSchema>;

export type ServerEventName = keyof typeof SERVER_EVENTS;
export type ServerEventOf<N extends ServerEventName> = Static<(typeof SERVER_EVENTS)[N]>;

/** Socket.IO's typed-event maps, derived from the registries above. */
export type ClientToServerEvents = {
  [N in ClientRequestName]: (payload: RequestOf<N>, ack: (ack: Ack<ResultOf<N>>) => void) => void;
};
export type ServerToClientEvents = {
  [N in ServerEventName]: (payload: ServerEventOf<N>) => void;
};

/** What `connect_error` carries when the server refuses a connection. */
export const ConnectErrorData = Type.Object({ code: ErrorBody.properties.code });
export type ConnectErrorData = Static<typeof ConnectErrorData>;
