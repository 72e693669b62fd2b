import type { Logger } from 'pino';
import { sessionIs, type AgentStateEvent, type Effect } from '@etax-assist/protocol';
import type { AppServer } from '../realtime/socket-server.js';
import { rooms } from '../realtime/rooms.js';
import type { SessionAccess } from '../sessions/access.js';
import type { SessionStore } from '../sessions/session-store.js';
import { agentWellbeing } from './agent-wellbeing.js';
import { redisNow, type ChangeClock, type Dispatcher } from './dispatcher.js';

/** Turns the dispatcher's committed effects into socket events for the people concerned. */
export class DispatchNotifier {
  constructor(
    private readonly io: AppServer,
    private readonly dispatcher: Dispatcher,
    private readonly sessions: SessionStore,
    private readonly access: SessionAccess,
    private readonly log: Logger,
  ) {
    dispatcher.on('effects', (effects, clock) => {
      this.apply(effects, clock).catch((error: unknown) => log.error({ err: error }, 'notifying dispatch effects failed'));
    });
  }

  async apply(effects: Effect[], clock: ChangeClock): Promise<void> {
    // Why an agent's state changed, when the dispatcher (not the agent) changed it.
    const reasons = new Map<string, AgentStateEvent['reason']>();
    for (const e of effects) {
      if (e.t === 'agent-auto-away') reasons.set(e.agent, 'offer-timeouts');
      if (e.t === 'agent-lost') reasons.set(e.agent, 'heartbeat-lost');
    }
    for (const e of effects) {
      switch (e.t) {
        case 'session': {
          const summary = await this.sessions.summary(e.session);
          if (summary) this.io.to(rooms.session(e.session)).emit('session:state', summary);
          // told, the participants of a session that is over leave its rooms
          if (sessionIs(e.state, 'final')) this.access.close(e.session);
          break;
        }
        case 'offer': {
          const card = await this.sessions.card(e.session);
          // measured when sent (the card was read meanwhile), so the agent's countdown ends when the offer does
          this.io.to(rooms.agent(e.agent)).emit('offer:new', {
            offerId: e.offer,
            kind: e.kind,
            expiresInMs: Math.max(0, Math.round(e.expiresAt - redisNow(clock))),
            session: card,
          });
          break;
        }
        case 'offer-closed':
          this.io.to(rooms.agent(e.agent)).emit('offer:closed', { offerId: e.offer, sessionId: e.session, reason: e.reason });
          break;
        case 'agent': {
          const { breakDue } = agentWellbeing(
            { status: e.status, streak: String(e.streak), restedAt: e.restedAt?.toString(), awayAt: e.awayAt?.toString() },
            this.dispatcher.config,
            redisNow(clock),
          );
          const state = {
            status: e.status,
            wrapUp: e.wrap,
            busy: e.load >= e.capacity,
            load: e.load,
            capacity: e.capacity,
            ...(breakDue ? { breakDue } : {}),
          };
          const reason = reasons.get(e.agent);
          this.io.to(rooms.agent(e.agent)).emit('agent:state', reason ? { state, reason } : { state });
          break;
        }
        case 'participant': {
          const agent = { id: e.agent, name: await this.sessions.agentName(e.agent) };
          if (e.change === 'joined') {
            this.io.in(rooms.agent(e.agent)).socketsJoin(rooms.session(e.session));
            this.io.to(rooms.session(e.session)).emit('session:notice', { sessionId: e.session, notice: 'agent-joined', agent });
          } else {
            this.io.to(rooms.session(e.session)).emit('session:notice', { sessionId: e.session, notice: 'agent-left', agent });
          }
          break;
        }
        case 'access-ended':
          await this.access.revoke(e.session, e.peer);
          break;
        case 'taxpayer-gone':
          this.io.to(rooms.session(e.session)).emit('session:notice', { sessionId: e.session, notice: 'taxpayer-disconnected' });
          break;
        case 'call-in':
          this.io.to(rooms.agent(e.agent)).emit('call-in:new', {
            callInId: e.callIn,
            queue: e.queue,
            trigger: e.trigger,
            note: e.note,
            expiresInMs: Math.max(0, Math.round(e.expiresAt - redisNow(clock))),
          });
          break;
        case 'call-in-closed':
          this.io.to(rooms.agent(e.agent)).emit('call-in:closed', { callInId: e.callIn, answer: e.answer });
          break;
        case 'agent-auto-away':
        case 'agent-lost':
          break;
        default:
          // a new kind of effect does not compile until it is handled above
          e satisfies never;
      }
    }
  }
}
