import { Type, type Static } from '@sinclair/typebox';

/**
 * Router RTP capabilities as mediasoup produces them. Their inner shape is mediasoup's own
 * and checked by mediasoup-client's Device.load(); here only the envelope is fixed.
 */
export const RtpCapabilities = Type.Object({
  codecs: Type.Array(Type.Record(Type.String(), Type.Unknown())),
  headerExtensions: Type.Array(Type.Record(Type.String(), Type.Unknown())),
});
export type RtpCapabilities = Static<typeof RtpCapabilities>;

export const MediaJoinResult = Type.Object({
  sessionId: Type.String(),
  routerRtpCapabilities: RtpCapabilities,
});
export type MediaJoinResult = Static<typeof MediaJoinResult>;
