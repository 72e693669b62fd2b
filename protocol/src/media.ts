import { Type, type Static } from '@sinclair/typebox';
import { SessionRef } from './session.js';

/*
 * Media signalling. RTP capabilities and parameters, ICE and DTLS parameters are mediasoup's own
 * structures, checked in depth by mediasoup (server) and mediasoup-client (browser); here their
 * envelope is fixed and their size bounded.
 */
const Opaque = Type.Record(Type.String(), Type.Unknown());
const SessionId = SessionRef.properties.sessionId;
const MediaId = Type.String({ minLength: 1, maxLength: 64 });

export const RtpCapabilities = Type.Object({
  codecs: Type.Array(Opaque, { maxItems: 64 }),
  headerExtensions: Type.Array(Opaque, { maxItems: 64 }),
});
export type RtpCapabilities = Static<typeof RtpCapabilities>;

export const MEDIA_KINDS = ['audio', 'video'] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];
const MediaKindSchema = Type.Union(MEDIA_KINDS.map((k) => Type.Literal(k)));

export const MEDIA_SOURCES = ['mic', 'camera'] as const;
export type MediaSource = (typeof MEDIA_SOURCES)[number];

/** Who is behind a producer: enough for the other side to label a tile. */
export const MediaPeer = Type.Object({
  id: Type.String(),
  role: Type.String(),
  name: Type.String(),
});
export type MediaPeer = Static<typeof MediaPeer>;

export const ProducerInfo = Type.Object({
  producerId: Type.String(),
  kind: MediaKindSchema,
  source: Type.Union(MEDIA_SOURCES.map((s) => Type.Literal(s))),
  paused: Type.Boolean(),
  peer: MediaPeer,
});
export type ProducerInfo = Static<typeof ProducerInfo>;

/** ICE servers handed to clients (TURN with time-limited credentials, see README). */
export const IceServer = Type.Object({
  urls: Type.Array(Type.String()),
  username: Type.Optional(Type.String()),
  credential: Type.Optional(Type.String()),
});
export type IceServer = Static<typeof IceServer>;

export const MediaJoinResult = Type.Object({
  sessionId: Type.String(),
  routerRtpCapabilities: RtpCapabilities,
  iceServers: Type.Array(IceServer),
  /** Monitors may only receive. */
  monitor: Type.Boolean(),
  /** What the other participants already send. */
  producers: Type.Array(ProducerInfo),
});
export type MediaJoinResult = Static<typeof MediaJoinResult>;

export const CreateTransport = Type.Object({ sessionId: SessionId, direction: Type.Union([Type.Literal('send'), Type.Literal('recv')]) }, { additionalProperties: false });
export const TransportParameters = Type.Object({
  transportId: Type.String(),
  iceParameters: Opaque,
  iceCandidates: Type.Array(Opaque),
  dtlsParameters: Opaque,
});
export type TransportParameters = Static<typeof TransportParameters>;

export const ConnectTransport = Type.Object({ sessionId: SessionId, transportId: MediaId, dtlsParameters: Opaque }, { additionalProperties: false });
export const Produce = Type.Object(
  {
    sessionId: SessionId,
    transportId: MediaId,
    kind: MediaKindSchema,
    rtpParameters: Opaque,
    source: Type.Union(MEDIA_SOURCES.map((s) => Type.Literal(s))),
  },
  { additionalProperties: false },
);
export const Consume = Type.Object({ sessionId: SessionId, transportId: MediaId, producerId: MediaId, rtpCapabilities: RtpCapabilities }, { additionalProperties: false });
export const ConsumerParameters = Type.Object({
  consumerId: Type.String(),
  producerId: Type.String(),
  kind: MediaKindSchema,
  rtpParameters: Opaque,
  /** Consumers start paused; the client resumes once it is ready to render. */
  paused: Type.Boolean(),
});
export type ConsumerParameters = Static<typeof ConsumerParameters>;

export const SetConsumerPaused = Type.Object({ sessionId: SessionId, consumerId: MediaId, paused: Type.Boolean() }, { additionalProperties: false });
export const ProducerRef = Type.Object({ sessionId: SessionId, producerId: MediaId }, { additionalProperties: false });
export const SetProducerPaused = Type.Object({ sessionId: SessionId, producerId: MediaId, paused: Type.Boolean() }, { additionalProperties: false });
export const TransportRef = Type.Object({ sessionId: SessionId, transportId: MediaId }, { additionalProperties: false });
export const IceRestartResult = Type.Object({ iceParameters: Opaque });

/** What a participant can do, told to the others (fallbacks: no camera, no devices at all). */
export const MEDIA_MODES = ['video', 'voice', 'text'] as const;
export type MediaMode = (typeof MEDIA_MODES)[number];
export const SetMediaMode = Type.Object(
  {
    sessionId: SessionId,
    mode: Type.Union(MEDIA_MODES.map((m) => Type.Literal(m))),
    /** Why less is sent: a device missing or refused, the user's choice, or a link too thin for video (the camera comes back by itself). */
    reason: Type.Optional(
      Type.Union([Type.Literal('no-camera'), Type.Literal('no-devices'), Type.Literal('permission-denied'), Type.Literal('choice'), Type.Literal('poor-network')]),
    ),
  },
  { additionalProperties: false },
);
export type SetMediaMode = Static<typeof SetMediaMode>;

export const TransportStats = Type.Object({
  transportId: Type.String(),
  peer: Type.String(),
  direction: Type.String(),
  iceState: Type.String(),
  dtlsState: Type.String(),
  recvBitrate: Type.Number(),
  sendBitrate: Type.Number(),
});
export const ProducerStats = Type.Object({
  producerId: Type.String(),
  peer: Type.String(),
  kind: Type.String(),
  bitrate: Type.Number(),
  packetCount: Type.Number(),
  packetsLost: Type.Number(),
});
export const MediaStatsResult = Type.Object({
  sessionId: Type.String(),
  workerIndex: Type.Integer(),
  consumers: Type.Integer(),
  transports: Type.Array(TransportStats),
  producers: Type.Array(ProducerStats),
  /** Round-trip times (ms) reported by consumers' receivers. */
  rttMs: Type.Array(Type.Number()),
});
export type MediaStatsResult = Static<typeof MediaStatsResult>;

// Server events
export const ProducerAddedEvent = Type.Object({ sessionId: Type.String(), producer: ProducerInfo });
export const ProducerRemovedEvent = Type.Object({ sessionId: Type.String(), producerId: Type.String() });
export const ProducerPausedEvent = Type.Object({ sessionId: Type.String(), producerId: Type.String(), paused: Type.Boolean() });
export const MediaModeEvent = Type.Object({
  sessionId: Type.String(),
  peer: MediaPeer,
  mode: Type.Union(MEDIA_MODES.map((m) => Type.Literal(m))),
  reason: Type.Optional(Type.String()),
});
export type MediaModeEvent = Static<typeof MediaModeEvent>;
/** The room had to be re-created (its worker died): join again, media resumes by itself. */
export const MediaRejoinEvent = Type.Object({ sessionId: Type.String(), reason: Type.String() });
