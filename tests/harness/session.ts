import type { OfferEvent } from '@etax-assist/protocol';
import { EventLog } from './events.js';
import { DEV_PASSWORDS, type TestService } from './service.js';
import { connectSocket, request, type TestSocket } from './socket.js';

export interface ActiveSession {
  sessionId: string;
  taxpayer: { socket: TestSocket; log: EventLog };
  agent: { socket: TestSocket; log: EventLog };
}

/** A taxpayer asks for help and the given agent accepts: an active session with both connected. */
export async function activeSession(
  t: TestService,
  taxpayerSub: string,
  agent: { username: string; password: string },
  channel: 'video' | 'voice' | 'text' = 'video',
  topic = 'invoice',
): Promise<ActiveSession> {
  const agentSocket = await connectSocket(t.url, await t.staffToken(agent.username, agent.password));
  const agentLog = new EventLog(agentSocket);
  await request(agentSocket, 'agent:status', { status: 'available' });
  const taxpayerSocket = await connectSocket(t.url, t.taxpayerToken({ sub: taxpayerSub }));
  const taxpayerLog = new EventLog(taxpayerSocket);
  const asked = await request(taxpayerSocket, 'help:request', {
    language: 'zh',
    topic,
    channel,
    entry: { kind: 'portal', page: '/' },
  });
  if (!asked.ok) throw new Error(asked.error.message);
  const sessionId = asked.result.sessionId;
  const offer = await agentLog.next<OfferEvent>('offer:new', (o) => o.session.sessionId === sessionId);
  const accepted = await request(agentSocket, 'offer:accept', { offerId: offer.offerId });
  if (!accepted.ok) throw new Error(accepted.error.message);
  return { sessionId, taxpayer: { socket: taxpayerSocket, log: taxpayerLog }, agent: { socket: agentSocket, log: agentLog } };
}

/** agent1 (or the given agent) goes available and accepts the one offer that comes: its socket. */
export async function agentTakesNextOffer(t: TestService, username = 'agent1', password: string = DEV_PASSWORDS.agent1): Promise<TestSocket> {
  const agent = await connectSocket(t.url, await t.staffToken(username, password));
  const offer = new Promise<OfferEvent>((resolve) => agent.once('offer:new', resolve));
  await request(agent, 'agent:status', { status: 'available' });
  const accepted = await request(agent, 'offer:accept', { offerId: (await offer).offerId });
  if (!accepted.ok) throw new Error(accepted.error.message);
  return agent;
}
