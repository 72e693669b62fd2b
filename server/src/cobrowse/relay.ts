import type { Logger } from 'pino';
import {
  COBROWSE_COMMANDS,
  sessionIs,
  ProtocolError,
  RrwebEventType,
  type CobrowseState,
  type EventBatch,
  type Principal,
  type RecordedEvent,
  type RecordingPage,
  type StaffClaims,
} from '@etax-assist/protocol';
import type { Config } from '../config/env.js';
import { PeriodicTask } from '../lifecycle/periodic-task.js';
import type { RequestRouter } from '../realtime/requests.js';
import { mirrorSessionOf, rooms } from '../realtime/rooms.js';
import type { AppServer, AppSocket, ConnectionHook } from '../realtime/socket-server.js';
import type { RecordAccess } from '../records/record-access.js';
import type { RecordingArchive } from '../records/recording-archive.js';
import type { RedisClient } from '../redis/client.js';
import { LuaScript } from '../redis/lua-script.js';
import { luaLocal } from '../redis/lua-source.js';
import { actorOf, type AuditTrail } from '../records/audit-trail.js';
import { recordKeys } from '../records/keys.js';
import { sessionKeys } from '../sessions/keys.js';
import { cobrowseKeys } from './keys.js';
import type { AssetTokens } from './assets.js';
import { RecordingWriter } from './recording.js';
import type { SessionStore } from '../sessions/session-store.js';

const STAFF = ['agent', 'expert', 'supervisor'] as const;

/** Index of the Meta event that opens the last full snapshot in the batch, or -1. */
export function fullSnapshotStart(events: readonly RecordedEvent[]): number {
  let full = -1;
  for (let i = events.length - 1; i >= 0; i--) {
    if (events[i]!.type === RrwebEventType.FullSnapshot) {
      full = i;
      break;
    }
  }
  if (full < 0) return -1;
  for (let i = full; i >= 0; i--) if (events[i]!.type === RrwebEventType.Meta) return i;
  return full;
}

/**
 * The co-browsing relay: recording events go from the taxpayer to the session's agents (and
 * watching supervisors) only; pointer, annotations and control go the other way only from a
 * participant, and control only while the taxpayer's consent stands — held in Redis by the
 * server, so a client's claim is never enough. Keeps the latest snapshot and what followed it for
 * agents who join late, and the whole recording for the session's retention period.
 */
export class CobrowseRelay implements ConnectionHook {
  readonly #script: LuaScript<typeof COBROWSE_COMMANDS>;
  readonly #expiry: PeriodicTask;
  readonly recording: RecordingWriter;

  constructor(
    private readonly io: AppServer,
    private readonly redis: RedisClient,
    private readonly sessions: SessionStore,
    private readonly config: Config,
    private readonly assetTokens: AssetTokens,
    private readonly records: { access: RecordAccess; archive: RecordingArchive; audit: AuditTrail },
    private readonly log: Logger,
  ) {
    this.#script = new LuaScript(redis, COBROWSE_COMMANDS, { name: 'co-browsing', files: ['cobrowse.lua'], prelude: luaLocal('key', { ...cobrowseKeys, ...recordKeys }) });
    this.#expiry = new PeriodicTask('control request expiry', 1000, () => this.#expireRequests(), log);
    const { recordingFlushMs: flushMs, recordingChunkBytes: maxChunkBytes, maxRecordingBytes: maxBytes, recordingRetryMaxBytes: retryMaxBytes } = config.cobrowse;
    this.recording = new RecordingWriter(redis, { flushMs, maxChunkBytes, maxBytes, retryMaxBytes }, (sessionId) => this.#recordingStopped(sessionId), log);
    // the taxpayer's batches, relayed by their instance, for the watchers connected here
    io.on('cobrowse:relay', ({ sessionId, events, isSnapshot, liveId }) => {
      this.#relay(sessionId, events, isSnapshot, liveId).catch((error: unknown) => log.warn({ err: error, sessionId }, 'relaying to local watchers failed'));
    });
  }

  /** Both sides learn that the session is no longer recorded (the mirror goes on). */
  #recordingStopped(sessionId: string): void {
    const message = `The session has reached its recording limit (${Math.round(this.config.cobrowse.maxRecordingBytes / 1024)} KB): it is no longer recorded; the screen sharing goes on`;
    this.io.to([rooms.session(sessionId), rooms.mirror(sessionId)]).emit('cobrowse:error', { sessionId, code: 'RECORDING_LIMIT_REACHED', message });
  }

  #publishState(state: CobrowseState): void {
    this.io.to(rooms.session(state.sessionId)).emit('cobrowse:state', state);
    this.recording.append(state.sessionId, 'state', { sharing: state.sharing, control: state.control, controller: state.controller?.id ?? '' });
  }

  /** Taxpayer of an in-progress session (the only one who can share or consent). */
  async #taxpayerSession(principal: Principal, sessionId: string): Promise<Record<string, string>> {
    const session = await this.sessions.requireParticipant(sessionId, principal);
    if (principal.role !== 'taxpayer') throw new ProtocolError('FORBIDDEN', 'Only the taxpayer can do this');
    if (!sessionIs(session.state ?? '', 'served')) throw new ProtocolError('CONFLICT', 'The session is not in progress');
    return session;
  }

  /** An agent of the session (primary or warm hand-over), not a silent monitor. */
  async #agentSession(principal: Principal, sessionId: string): Promise<Record<string, string>> {
    const session = await this.sessions.requireParticipant(sessionId, principal);
    if (principal.role !== 'agent' && principal.role !== 'expert' && principal.role !== 'supervisor') {
      throw new ProtocolError('FORBIDDEN', "Only the session's staff can do this");
    }
    if (principal.role === 'supervisor' && (await this.redis.sIsMember(sessionKeys.monitors(sessionId), principal.sub)) === 1) {
      throw new ProtocolError('FORBIDDEN', "A silent monitor cannot act on the taxpayer's screen");
    }
    if (!sessionIs(session.state ?? '', 'served')) throw new ProtocolError('CONFLICT', 'The session is not in progress');
    return session;
  }

  /**
   * A watch that ends with its socket (tab closed, network gone) is recorded as its end too; one
   * ended by the session or by leaving it is told by the dispatcher's events already.
   */
  async connected(socket: AppSocket, log: Logger): Promise<void> {
    const { principal } = socket.data;
    if (principal.role === 'taxpayer') return;
    socket.on('disconnecting', () => {
      for (const room of socket.rooms) {
        const sessionId = mirrorSessionOf(room);
        if (sessionId === undefined) continue;
        this.records.audit.record(sessionId, principal, 'mirror-unwatched', { ended: 'disconnected' }).catch((error: unknown) => {
          log.warn({ err: error, sessionId }, 'the end of a mirror watch could not be recorded');
        });
      }
    });
  }

  register(requests: RequestRouter): void {
    const limits = this.config.cobrowse;

    requests.on('cobrowse:share', ['taxpayer'], async ({ principal }, { sessionId, sharing }) => {
      await this.#taxpayerSession(principal, sessionId);
      const state = await this.#script.run('share', { session: sessionId, by: actorOf(principal), sharing });
      this.#publishState(state);
      return state;
    });

    requests.on('cobrowse:events', ['taxpayer'], async ({ socket, principal }, batch) => {
      const session = await this.sessions.requireParticipant(batch.sessionId, principal);
      if (!sessionIs(session.state ?? '', 'served')) throw new ProtocolError('CONFLICT', 'The session is not in progress');
      return this.#acceptBatch(batch, (name, payload) => socket.emit(name as 'cobrowse:error', payload as never));
    });

    requests.on('cobrowse:watch', STAFF, async ({ socket, principal }, { sessionId }) => {
      await this.sessions.requireParticipant(sessionId, principal);
      await this.records.audit.record(sessionId, principal, 'mirror-watched');
      // in the room before the buffer is read: a batch accepted in between is relayed, not lost;
      // one that is relayed and in the buffer too is skipped by the viewer (its liveId)
      await socket.join(rooms.mirror(sessionId));
      const { state, events, liveId } = await this.mirror(sessionId);
      const origins = this.config.cobrowse.assetOrigins;
      if (origins.length === 0) return { state, events, liveId };
      return { state, events, liveId, assets: { base: `/cobrowse/asset/${sessionId}/${this.assetTokens.issue(sessionId, principal)}`, origins } };
    });

    requests.on('cobrowse:unwatch', STAFF, async ({ socket, principal }, { sessionId }) => {
      await socket.leave(rooms.mirror(sessionId));
      socket.data.mirrorBehind?.delete(sessionId);
      // after leaving: a watcher is never kept watching because the record is unavailable
      await this.records.audit.record(sessionId, principal, 'mirror-unwatched');
      return {};
    });

    requests.on('cobrowse:annotate', STAFF, async ({ principal }, { sessionId, annotation }) => {
      await this.#agentSession(principal, sessionId);
      this.recording.append(sessionId, 'annotation', { from: principal.sub, ...annotation });
      this.io.to(rooms.session(sessionId)).emit('cobrowse:annotation', { sessionId, annotation, from: principal.sub });
      return {};
    });

    requests.on('cobrowse:control-request', STAFF, async ({ principal }, { sessionId }) => {
      await this.#agentSession(principal, sessionId);
      const state = await this.#script.run('request', {
        session: sessionId,
        by: actorOf(principal),
        agent: principal.sub,
        agentName: (principal as StaffClaims).name,
        timeoutMs: limits.controlRequestTimeoutS * 1000,
      });
      this.#publishState(state);
      return state;
    });

    requests.on('cobrowse:control-answer', ['taxpayer'], async ({ principal }, { sessionId, grant, requesterId }) => {
      await this.#taxpayerSession(principal, sessionId);
      const state = await this.#script.run('answer', { session: sessionId, by: actorOf(principal), grant, requester: requesterId });
      this.#publishState(state);
      return state;
    });

    requests.on('cobrowse:control-stop', ['taxpayer', 'agent', 'expert', 'supervisor'], async ({ principal }, { sessionId }) => {
      await this.sessions.requireParticipant(sessionId, principal);
      const state = await this.#script.run('stop', { session: sessionId, by: actorOf(principal), ...(principal.role === 'taxpayer' ? {} : { agent: principal.sub }) });
      this.#publishState(state);
      return state;
    });

    requests.on('cobrowse:control-input', STAFF, async ({ principal }, { sessionId, input }) => {
      const session = await this.#agentSession(principal, sessionId);
      await this.#script.run('input', { session: sessionId, agent: principal.sub });
      this.recording.append(sessionId, 'input', { from: principal.sub, ...input });
      this.io.to(rooms.taxpayer(session.taxpayerSub ?? '')).emit('cobrowse:control-input', { sessionId, input });
      return {};
    });

    requests.on('cobrowse:control-refused', ['taxpayer'], async ({ principal }, { sessionId, reason, action, nodeId }) => {
      await this.#taxpayerSession(principal, sessionId);
      // recorded beside the input it refused: the replay shows that input as refused, not done
      // (the taxpayer's page says so: it is what their page did, not a fact the server checked)
      this.recording.append(sessionId, 'control-refused', { reason, action, nodeId });
      this.io.to(rooms.mirror(sessionId)).emit('cobrowse:control-refused', { sessionId, reason });
      return {};
    });

    requests.on('cobrowse:recording', ['supervisor', 'agent', 'expert'], async ({ principal }, { sessionId, after, limit }) => {
      await this.records.access.requireReplay(sessionId, principal);
      const page = await this.#recordingPage(sessionId, after, limit ?? 200);
      // one entry per page asked for (not per rrweb event), before the page is returned
      await this.records.audit.record(sessionId, principal, 'recording-replayed', { after: after ?? '', entries: String(page.entries.length) });
      return page;
    });
  }

  /** Read from Redis while the session's recording is there, from PostgreSQL once its keys expired: the same entry ids and cursors. */
  async #recordingPage(sessionId: string, after: string | undefined, limit: number): Promise<RecordingPage> {
    // what is buffered here is written first: a replay of a live session shows it
    await this.recording.flush(sessionId);
    if (await this.redis.exists(cobrowseKeys.recording(sessionId))) return this.recording.read(sessionId, after, limit);
    return this.records.archive.page(sessionId, after, limit);
  }

  /**
   * The session's co-browsing state and a fresh mirror: its latest snapshot and what followed,
   * and the live buffer's last entry among them (`liveId`: a watcher skips relayed batches up to it).
   */
  async mirror(sessionId: string): Promise<{ state: CobrowseState; events: RecordedEvent[]; liveId?: string }> {
    const { state, batches, liveId } = await this.#script.run('watch', { session: sessionId });
    return { state, events: batches.flatMap((json) => JSON.parse(json) as RecordedEvent[]), liveId };
  }

  async #acceptBatch(batch: EventBatch, reply: (event: string, payload: unknown) => void): Promise<{ accepted: number; snapshotWanted: boolean }> {
    const limits = this.config.cobrowse;
    const json = JSON.stringify(batch.events);
    const bytes = Buffer.byteLength(json);
    const full = fullSnapshotStart(batch.events);
    if (full >= 0 && bytes > limits.maxSnapshotBytes) {
      const message = `The page is too large to share (${Math.round(bytes / 1024)} KB; the limit is ${Math.round(limits.maxSnapshotBytes / 1024)} KB)`;
      // both sides learn it: the taxpayer's SDK and the agents waiting for a mirror
      this.io.to(rooms.mirror(batch.sessionId)).emit('cobrowse:error', { sessionId: batch.sessionId, code: 'PAYLOAD_TOO_LARGE', message });
      reply('cobrowse:error', { sessionId: batch.sessionId, code: 'PAYLOAD_TOO_LARGE', message });
      throw new ProtocolError('PAYLOAD_TOO_LARGE', message);
    }
    if (full < 0 && (batch.events.length > limits.maxBatchEvents || bytes > limits.maxBatchBytes)) {
      throw new ProtocolError('PAYLOAD_TOO_LARGE', `A batch may hold ${limits.maxBatchEvents} events and ${limits.maxBatchBytes} bytes`);
    }
    const result = await this.#script.run('batch', {
      session: batch.sessionId,
      seq: batch.seq,
      count: batch.events.length,
      events: json,
      fullJson: full >= 0 ? JSON.stringify(batch.events.slice(full)) : undefined,
      maxPerSecond: limits.maxEventsPerSecond,
      maxLive: limits.maxLiveBatches,
    });
    this.recording.append(batch.sessionId, 'rrweb', batch.events, Date.now(), bytes);
    await this.#relay(batch.sessionId, batch.events, full >= 0, result.liveId);
    // watchers connected to other instances: each instance relays to its own (and paces them)
    this.io.serverSideEmit('cobrowse:relay', { sessionId: batch.sessionId, events: batch.events, isSnapshot: full >= 0, liveId: result.liveId });
    return { accepted: batch.events.length, snapshotWanted: result.snapshotWanted };
  }

  /**
   * Sends the events to every watcher connected to this instance. A watcher whose socket has fallen behind gets nothing
   * more until it drained, then the whole live buffer again (a fresh mirror, not a backlog).
   */
  async #relay(sessionId: string, events: RecordedEvent[], isSnapshot: boolean, liveId: string | undefined): Promise<void> {
    const room = rooms.mirror(sessionId);
    const watchers = this.io.of('/').adapter.rooms.get(room);
    if (!watchers) return;
    const payload = { sessionId, events, liveId };
    for (const id of watchers) {
      const socket = this.io.of('/').sockets.get(id);
      if (!socket) continue;
      // engine.io keeps what it could not send yet in writeBuffer (typed private)
      const backlog = (socket.conn as unknown as { writeBuffer: unknown[] }).writeBuffer.length;
      const behind = socket.data.mirrorBehind?.has(sessionId) ?? false;
      if (backlog > this.config.cobrowse.maxAgentBacklog) {
        (socket.data.mirrorBehind ??= new Set()).add(sessionId);
        continue;
      }
      if (behind && !isSnapshot) {
        socket.data.mirrorBehind?.delete(sessionId);
        const { events: fresh, liveId: freshId } = await this.mirror(sessionId);
        socket.emit('cobrowse:events', { sessionId, events: fresh, liveId: freshId });
        continue;
      }
      socket.data.mirrorBehind?.delete(sessionId);
      socket.emit('cobrowse:events', payload);
    }
  }

  async #expireRequests(): Promise<void> {
    const lapsed = await this.#script.run('expire', {});
    for (const state of lapsed) this.#publishState(state);
  }

  /** A participant has left the session (or was removed): control they held or asked for ends. */
  async releaseParticipant(sessionId: string, sub: string): Promise<void> {
    const { changed, state } = await this.#script.run('release', { session: sessionId, agent: sub });
    if (changed) this.#publishState(state);
  }

  /** The session is over: stop sharing and control; keep the recording for the retention period. */
  async closeSession(sessionId: string): Promise<void> {
    this.recording.append(sessionId, 'state', { sharing: 'stopped', control: 'none', controller: '' });
    // written before the retention expiry is set on it
    await this.recording.flush(sessionId);
    this.recording.forget(sessionId);
    const state = await this.#script.run('close', { session: sessionId, retentionS: this.config.dispatch.retentionDays * 86_400 });
    this.io.to(rooms.session(state.sessionId)).emit('cobrowse:state', state);
    this.io.in(rooms.mirror(sessionId)).socketsLeave(rooms.mirror(sessionId));
  }

  async stop(): Promise<void> {
    await this.#expiry.stop();
    await this.recording.stop();
  }
}
