import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { RealtimePrincipalSchema } from './auth.js';
import { InstanceInfo } from './cluster.js';
import { Done, Empty } from './dispatch.js';
import { ErrorBody } from './errors.js';
import { SessionRef } from './session.js';
import { CLIENT_REQUESTS, type ClientRequestName } from './socket.js';

/**
 * The version of the instance-to-instance wire format (envelopes and INSTANCE_CALLS). Every
 * request and reply carries it; an instance of another version answers VERSION_MISMATCH instead
 * of misreading a call whose shape changed. Raise it whenever INSTANCE_CALLS changes shape.
 */
export const CLUSTER_WIRE_VERSION = 1;

export type MediaRequestName = Extract<ClientRequestName, `media:${string}`>;

export const MEDIA_REQUEST_NAMES = (Object.keys(CLIENT_REQUESTS) as ClientRequestName[]).filter((name): name is MediaRequestName => name.startsWith('media:'));

/** The socket a forwarded request came from: connected to the instance `home`. */
export const ForwardedPeer = Type.Object(
  { socketId: Type.String({ minLength: 1 }), principal: RealtimePrincipalSchema, home: Type.String({ minLength: 1 }) },
  { additionalProperties: false },
);
export type ForwardedPeer = Static<typeof ForwardedPeer>;

/**
 * A client's media request, forwarded to the instance holding the session's room. `payload` and
 * the result are the client request's own (CLIENT_REQUESTS[name]), checked by the media router
 * on each side.
 */
export const ForwardedMediaRequest = Type.Object(
  { name: Type.Union(MEDIA_REQUEST_NAMES.map((name) => Type.Literal(name))), peer: ForwardedPeer, payload: Type.Unknown() },
  { additionalProperties: false },
);
export type ForwardedMediaRequest = Static<typeof ForwardedMediaRequest>;

export const SocketGone = Type.Object(
  { socketId: Type.String({ minLength: 1 }), sessionId: SessionRef.properties.sessionId, signedOut: Type.Boolean() },
  { additionalProperties: false },
);
export type SocketGone = Static<typeof SocketGone>;

export const RemovePeer = Type.Object({ sessionId: SessionRef.properties.sessionId, peerId: Type.String({ minLength: 1 }) }, { additionalProperties: false });
export type RemovePeer = Static<typeof RemovePeer>;

/**
 * Every call one instance makes to another (through Redis pub/sub, server/src/cluster/forwarder.ts):
 * its payload schema, validated on receipt, and its result schema, validated by the caller.
 */
export const INSTANCE_CALLS = {
  'media:request': { payload: ForwardedMediaRequest, result: Type.Unknown() },
  /** A socket that joined the session's media is gone from its instance (grace period, or at once when signed out). */
  'media:socket-gone': { payload: SocketGone, result: Done },
  'media:close-session': { payload: SessionRef, result: Done },
  /** A peer (`role:sub`) is no longer a participant of the session. */
  'media:remove-peer': { payload: RemovePeer, result: Done },
  'cluster:drain': { payload: Empty, result: InstanceInfo },
} as const satisfies Record<string, { payload: TSchema; result: TSchema }>;

export type InstanceCallName = keyof typeof INSTANCE_CALLS;
export type InstanceCallPayload<N extends InstanceCallName> = Static<(typeof INSTANCE_CALLS)[N]['payload']>;
export type InstanceCallResult<N extends InstanceCallName> = Static<(typeof INSTANCE_CALLS)[N]['result']>;

export function isInstanceCallName(name: string): name is InstanceCallName {
  return Object.hasOwn(INSTANCE_CALLS, name);
}

/**
 * The envelope of a call. `v`, `id` and `from` are its fixed part, the same in every version, so
 * an instance can always tell the caller that it speaks another version.
 */
export const InstanceCallRequest = Type.Object({
  v: Type.Integer(),
  id: Type.String({ minLength: 1 }),
  from: Type.String({ minLength: 1 }),
  name: Type.String(),
  payload: Type.Unknown(),
});
export type InstanceCallRequest = Static<typeof InstanceCallRequest>;

export const InstanceCallReply = Type.Union([
  Type.Object({ v: Type.Integer(), id: Type.String(), ok: Type.Literal(true), result: Type.Unknown() }),
  Type.Object({ v: Type.Integer(), id: Type.String(), ok: Type.Literal(false), error: ErrorBody }),
]);
export type InstanceCallReply = Static<typeof InstanceCallReply>;
