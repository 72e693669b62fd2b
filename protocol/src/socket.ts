import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { ErrorBody } from './errors.js';
import { MediaJoinResult } from './media.js';
import { HelpRequest, SessionRef, SessionSummary } from './session.js';

/**
 * Every request a client makes over the socket: its payload schema and its result schema.
 * The server validates payloads against `request`; clients validate acks against `result`.
 */
export const CLIENT_REQUESTS = {
  'help:request': { request: HelpRequest, result: SessionSummary },
  'media:join': { request: SessionRef, result: MediaJoinResult },
} as const satisfies Record<string, { request: TSchema; result: TSchema }>;

export type ClientRequestName = keyof typeof CLIENT_REQUESTS;
export type RequestOf<N extends ClientRequestName> = Static<(typeof CLIENT_REQUESTS)[N]['request']>;
export type ResultOf<N extends ClientRequestName> = Static<(typeof CLIENT_REQUESTS)[N]['result']>;

export type Ack<T> = { ok: true; result: T } | { ok: false; error: ErrorBody };
export const AckEnvelope = Type.Union([
  Type.Object({ ok: Type.Literal(true), result: Type.Unknown() }),
  Type.Object({ ok: Type.Literal(false), error: ErrorBody }),
]);

/** Events the server pushes to clients. */
export const SERVER_EVENTS = {
  'session:state': SessionSummary,
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
