import type { Logger } from 'pino';
import type { AgentState, StaffClaims } from '@etax-assist/protocol';
import type { RedisClient } from '../redis/client.js';
import { rooms } from '../realtime/rooms.js';
import type { AppServer, AppSocket, ConnectionHook } from '../realtime/socket-server.js';
import type { SessionStore } from '../sessions/session-store.js';
import { agentWellbeing } from './agent-wellbeing.js';
import type { AgentProfile, Dispatcher } from './dispatcher.js';
import { dispatchKeys } from './keys.js';
import type { AgentPresence } from './presence.js';

/**
 * Follows connections for the dispatcher: an agent's socket registers its directory profile, joins its
 * rooms (its own, its sessions') and keeps its presence; a taxpayer's socket rejoins an open
 * session, and its going away starts the abandon grace period.
 */
export class DispatchConnections implements ConnectionHook {
  constructor(
    private readonly io: AppServer,
    private readonly redis: RedisClient,
    private readonly dispatcher: Dispatcher,
    private readonly sessions: SessionStore,
    private readonly presence: AgentPresence,
  ) {}

  async agentState(agentId: string): Promise<AgentState> {
    const f = await this.redis.hGetAll(dispatchKeys.agent(agentId));
    const load = Number(f.load ?? 0);
    // the agent's own capacity, registered with its profile from the staff directory
    const capacity = Number(f.cap ?? this.dispatcher.config.textSessionsPerAgent);
    const { breakDue } = agentWellbeing(f, this.dispatcher.config, Date.now());
    return { status: (f.status ?? 'offline') as AgentState['status'], wrapUp: f.wrap === '1', busy: load >= capacity, load, capacity, ...(breakDue ? { breakDue } : {}) };
  }

  async connected(socket: AppSocket, log: Logger): Promise<void> {
    const { principal } = socket.data;
    if (principal.role === 'taxpayer') {
      await socket.join(rooms.taxpayer(principal.sub));
      const open = await this.sessions.openSessionOf(principal.sub);
      if (!open) return;
      await this.dispatcher.taxpayerBack(open, principal.sub);
      await socket.join(rooms.session(open));
      const summary = await this.sessions.summary(open);
      if (summary) socket.emit('session:state', summary);
      return;
    }
    await socket.join(rooms.staff);
    if (principal.role === 'supervisor') {
      await socket.join(rooms.supervisor(principal.sub));
      return;
    }
    const staff = principal;
    await socket.join(rooms.agent(staff.sub));
    // the staff directory's skills, read at the handshake (socket-server.ts), not the token's
    if (socket.data.profile) await this.dispatcher.register(socket.data.profile);
    await this.presence.connected(staff.sub);
    const open = await this.sessions.openSessionsOfAgent(staff.sub);
    for (const sessionId of open) await socket.join(rooms.session(sessionId));
    socket.emit('agent:state', { state: await this.agentState(staff.sub) });
    log.info({ sessions: open.length }, 'agent connected');
  }

  /**
   * Registers this instance's agents again, with their profiles as the staff directory has them
   * now: what the dispatcher indexes follows the catalog's topics and languages, so a new version
   * applies to them at once.
   */
  async registerAgentsAgain(profileOf: (staff: StaffClaims) => Promise<AgentProfile | undefined>): Promise<void> {
    const agents = new Map<string, StaffClaims>();
    for (const socket of this.io.of('/').sockets.values()) {
      const { principal } = socket.data;
      if (principal.role === 'agent' || principal.role === 'expert') agents.set(principal.sub, principal);
    }
    for (const staff of agents.values()) {
      const profile = await profileOf(staff);
      if (profile) await this.dispatcher.register(profile);
    }
  }

  async disconnected(socket: AppSocket): Promise<void> {
    const { principal } = socket.data;
    if (principal.role === 'agent' || principal.role === 'expert') {
      this.presence.disconnected(principal.sub);
      return;
    }
    if (principal.role !== 'taxpayer') return;
    const open = await this.sessions.openSessionOf(principal.sub);
    if (!open) return;
    // Another tab (here or on another instance) still holds the session: nothing is lost.
    const remaining = await this.io.in(rooms.taxpayer(principal.sub)).fetchSockets();
    if (remaining.length > 0) return;
    await this.dispatcher.taxpayerGone(open, principal.sub);
  }
}
