import type { RequestRouter } from '../realtime/requests.js';
import type { AuditTrail } from '../records/audit-trail.js';
import { rooms } from '../realtime/rooms.js';
import type { TaxpayerHistory } from '../records/taxpayer-history.js';
import type { SessionStore } from '../sessions/session-store.js';
import type { Dispatcher } from './dispatcher.js';
import type { SupervisorMetricsPublisher } from './supervisor-metrics.js';

const AGENTS = ['agent', 'expert'] as const;
const STAFF = ['agent', 'expert', 'supervisor'] as const;

/** What agents, experts and supervisors ask of the dispatcher over the socket. */
export function registerDispatchRequests(
  requests: RequestRouter,
  dispatcher: Dispatcher,
  sessions: SessionStore,
  audit: AuditTrail,
  metrics: SupervisorMetricsPublisher,
  agentState: (agentId: string) => Promise<import('@etax-assist/protocol').AgentState>,
  history: TaxpayerHistory,
): void {
  requests.on('agent:status', AGENTS, async ({ principal }, { status }) => {
    await dispatcher.setStatus(principal.sub, status);
    return agentState(principal.sub);
  });

  requests.on('offer:accept', AGENTS, async ({ socket, principal }, { offerId }) => {
    const sessionId = await dispatcher.accept(offerId, principal.sub);
    await socket.join(rooms.session(sessionId));
    return sessions.card(sessionId);
  });

  requests.on('offer:decline', AGENTS, async ({ principal }, { offerId }) => {
    await dispatcher.decline(offerId, principal.sub);
    return {};
  });

  requests.on('session:escalate', AGENTS, async ({ principal }, { sessionId, note, language, topic }) => {
    const session = await sessions.requireParticipant(sessionId, principal);
    const target = { language: language ?? session.language ?? '', topic: topic ?? session.topic ?? '', tier: 'expert' as const, note };
    return { state: (await dispatcher.handover('escalation', sessionId, principal.sub, target)) as 'escalating' };
  });

  requests.on('session:transfer', AGENTS, async ({ principal }, { sessionId, note, language, topic, tier }) => {
    await sessions.requireParticipant(sessionId, principal);
    const target = { language, topic, tier: tier ?? 'frontline', note };
    return { state: (await dispatcher.handover('transfer', sessionId, principal.sub, target)) as 'transferring' };
  });

  requests.on('session:cancel-handover', AGENTS, async ({ principal }, { sessionId }) => {
    await dispatcher.cancelHandover(sessionId, principal.sub);
    return { state: 'active' as const };
  });

  requests.on('session:leave', AGENTS, async ({ principal }, { sessionId }) => {
    await dispatcher.leave(sessionId, principal.sub);
    return {};
  });

  requests.on('session:wrap-up', AGENTS, async ({ principal }, { sessionId, notes, outcome }) => {
    await dispatcher.wrapUp(sessionId, principal.sub, notes, outcome);
    return { state: 'ended' as const };
  });

  // the card that comes with accepting an offer, joining by code or observing is covered by the
  // event those commands record; asked for again, it is recorded as a view
  requests.on('session:card', STAFF, async ({ principal }, { sessionId }) => {
    const card = await sessions.card(sessionId, await sessions.requireParticipant(sessionId, principal));
    await audit.record(sessionId, principal, 'card-viewed');
    return card;
  });

  requests.on('agent:sessions', AGENTS, async ({ principal }) => {
    const open = await sessions.openSessionsOfAgent(principal.sub);
    const found = await Promise.all(
      open.map(async (sessionId) => {
        const fields = await sessions.fields(sessionId);
        const summary = fields && (await sessions.summary(sessionId, fields));
        return fields && summary ? { card: await sessions.card(sessionId, fields), summary } : undefined;
      }),
    );
    return { sessions: found.filter((s) => s !== undefined) };
  });

  requests.on('taxpayer:history', STAFF, async ({ principal }, request) => history.page(principal, request));

  requests.on('supervisor:subscribe', ['supervisor'], async ({ socket }) => {
    await socket.join(rooms.supervisors);
    return metrics.current();
  });

  requests.on('supervisor:reassign', ['supervisor'], async ({ principal }, { sessionId, agentId }) => {
    await dispatcher.reassign(sessionId, principal.sub, agentId);
    return {};
  });

  requests.on('supervisor:agent-status', ['supervisor'], async ({ principal }, { agentId, status }) => {
    await dispatcher.setStatus(agentId, status, principal.sub);
    return {};
  });

  requests.on('supervisor:observe', ['supervisor'], async ({ socket, principal }, { sessionId, mode }) => {
    await dispatcher.observe(sessionId, principal.sub, mode);
    await socket.join(rooms.session(sessionId));
    return sessions.card(sessionId);
  });

  requests.on('supervisor:unobserve', ['supervisor'], async ({ principal }, { sessionId }) => {
    // the rooms, media and control of the session are ended by the dispatcher's access-ended effect
    await dispatcher.unobserve(sessionId, principal.sub);
    return {};
  });
}
