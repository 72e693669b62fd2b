import type { Server as HttpServer } from 'node:http';
import { Server, type ServerOptions, type Socket } from 'socket.io';
import {
  ProtocolError,
  type ClientToServerEvents,
  type ConnectErrorData,
  type RealtimePrincipal,
  type RecordedEvent,
  type ServerToClientEvents,
  type StaffClaims,
} from '@etax-assist/protocol';
import type { Logger } from 'pino';
import type { Authenticator } from '../auth/authenticator.js';
import type { AgentProfile } from '../dispatcher/dispatcher.js';
import { asUnavailable } from '../redis/unavailable.js';
import type { OriginPolicy } from '../web/origin-policy.js';
import type { RequestRouter } from './requests.js';

export interface SocketData {
  principal: RealtimePrincipal;
  /** The connect token's id and validity: the socket is closed when it expires or is revoked (auth/live-tokens.ts). */
  token: { jti: string | undefined; validUntilMs: number };
  /**
   * Set just before the socket is closed because its user's sign-in ended (token revoked, or a
   * staff token expired: staff are not renewed): its media goes at once, with no grace period.
   */
  signedOut?: boolean;
  /** Sessions whose mirror this (agent) socket fell behind on; it is resynced when it drains. */
  mirrorBehind?: Set<string>;
  /** An agent's or expert's routing profile, from the staff directory at connect (the token's claims do not decide it). */
  profile?: AgentProfile;
}

/** Something that follows socket connections (presence, rooms, state on reconnect). */
export interface ConnectionHook {
  connected(socket: AppSocket, log: Logger): Promise<void>;
  disconnected?(socket: AppSocket, log: Logger): Promise<void>;
}

// Requests are routed by name in RequestRouter (onAny), so the server-side listen map is empty.
/** Messages between the instances (socket.io's serverSideEmit over the adapter). */
export interface InterServerEvents {
  /** A taxpayer's co-browsing batch, for the watchers connected to the other instances. */
  'cobrowse:relay': (message: { sessionId: string; events: RecordedEvent[]; isSnapshot: boolean; liveId?: string }) => void;
  /** A token was signed out: its sockets connected to the other instances are closed too. */
  'auth:revoked': (message: { jti: string }) => void;
  /** A staff member was disabled in the directory: their sockets connected to the other instances are closed too. */
  'staff:disabled': (message: { sub: string }) => void;
}

export type AppServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type AppSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

export interface SocketServerOptions {
  authenticator: Authenticator;
  requests: RequestRouter;
  /** Pages of which sites may connect (PORTAL_ORIGINS): the handshake's Origin is checked against it. */
  origins: OriginPolicy;
  log: Logger;
  /** Largest message a client may send; a larger one closes its connection (engine.io limit). */
  maxPayloadBytes: number;
  hooks: ConnectionHook[];
  /** Spans rooms across the instances (cluster/socket-adapter.ts); in-memory when absent. */
  adapter?: ServerOptions['adapter'];
  /** Hears each hook's work, so a shutdown can wait for it before closing Redis. */
  track?: (work: Promise<unknown>) => void;
  /** The staff directory's routing profile of a connecting agent or expert; undefined: not an active member. */
  agentProfile: (staff: StaffClaims) => Promise<AgentProfile | undefined>;
}

/** A refusal carried to the client's `connect_error` as `err.data = { code }`. */
class ConnectRefused extends Error {
  readonly data: ConnectErrorData;
  constructor(error: ProtocolError) {
    super(error.message);
    this.data = { code: error.code };
  }
}

/** The realtime endpoint: socket.io on the HTTP server, every connection authenticated by token. */
export function createSocketServer(httpServer: HttpServer, options: SocketServerOptions): AppServer {
  const { authenticator, requests, origins, log } = options;
  const io: AppServer = new Server(httpServer, {
    path: '/socket.io',
    maxHttpBufferSize: options.maxPayloadBytes,
    serveClient: false,
    // Browsers behind strict proxies may only manage long-polling; both carry the same protocol.
    transports: ['websocket', 'polling'],
    // long-polling from a portal's page is a cross-origin XHR: answered for the listed origins only
    cors: { origin: (origin, callback) => callback(null, origin !== undefined && origins.lists(origin)), methods: ['GET', 'POST'] },
    ...(options.adapter ? { adapter: options.adapter } : {}),
  });

  io.use((socket, next) => {
    const { origin, host } = socket.handshake.headers;
    if (!origins.admits(origin, host)) {
      log.info({ origin, address: socket.handshake.address }, 'socket connection refused: origin not allowed');
      return next(new ConnectRefused(origins.refusal(origin ?? '')));
    }
    const auth: unknown = socket.handshake.auth;
    const token = typeof auth === 'object' && auth !== null && 'token' in auth ? auth.token : undefined;
    admit(socket, typeof token === 'string' ? token : undefined).then(
      () => next(),
      (thrown: unknown) => {
        const error = asUnavailable(thrown);
        const refusal = error instanceof ProtocolError ? error : new ProtocolError('INTERNAL', 'Authentication failed');
        log.info({ code: refusal.code, address: socket.handshake.address }, 'socket connection refused');
        next(new ConnectRefused(refusal));
      },
    );
  });

  /** Fills the socket's data from its token (and an agent's profile from the staff directory), or throws the refusal. */
  async function admit(socket: AppSocket, token: string | undefined): Promise<void> {
    const { principal, jti, validUntilMs } = await authenticator.authenticate(token);
    if (principal.role === 'admin') {
      throw new ProtocolError('FORBIDDEN', 'An administrator has no realtime connection: administration is over HTTP');
    }
    if (principal.role === 'agent' || principal.role === 'expert') {
      // before the connection, so the socket's first request finds the agent registered with it
      const profile = await options.agentProfile(principal);
      if (!profile) throw new ProtocolError('ACCOUNT_DISABLED', 'This account is not an active member of the staff directory');
      socket.data.profile = profile;
    }
    socket.data.principal = principal;
    socket.data.token = { jti, validUntilMs };
  }

  io.on('connection', (socket) => {
    const { principal } = socket.data;
    const socketLog = log.child({ socketId: socket.id, sub: principal.sub, role: principal.role });
    socketLog.debug('socket connected');
    requests.attach(socket, socketLog);
    const report = (error: unknown): void => socketLog.error({ err: error }, 'connection hook failed');
    const run = (work: Promise<void>): void => options.track?.(work.catch(report)) ?? void work.catch(report);
    for (const hook of options.hooks) run(hook.connected(socket, socketLog));
    socket.on('disconnect', (reason) => {
      socketLog.debug({ reason }, 'socket disconnected');
      for (const hook of options.hooks) if (hook.disconnected) run(hook.disconnected(socket, socketLog));
    });
  });
  return io;
}
