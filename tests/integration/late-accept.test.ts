import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OfferClosedEvent, OfferEvent } from '@etax-assist/protocol';
import { EventLog } from '../harness/events.js';
import { startTestService, type TestService } from '../harness/service.js';
import { connectSocket, request, type TestSocket } from '../harness/socket.js';

/**
 * An accept that arrives after its offer's deadline but before a sweep noticed: the accept runs the
 * offer's timeout itself (re-routes the session, makes the next offer) and is refused — and every
 * change it committed still reaches the people concerned.
 */
describe('a refused late accept (real service, real Redis)', () => {
  let t: TestService;
  const sockets: TestSocket[] = [];
  beforeAll(async () => {
    // offers last 1 s; the sweep that would time them out runs only every 10 s
    t = await startTestService({ DISPATCH_OFFER_TIMEOUT_S: '1', DISPATCH_SWEEP_INTERVAL_MS: '10000' });
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await t?.stop();
  });

  async function agent(username: string): Promise<{ socket: TestSocket; log: EventLog; id: string }> {
    const socket = await connectSocket(t.url, await t.staffToken(username, `${username}-pass`));
    sockets.push(socket);
    const log = new EventLog(socket);
    expect(await request(socket, 'agent:status', { status: 'available' })).toMatchObject({ ok: true });
    return { socket, log, id: username };
  }

  it('tells the refusing agent its offer closed, and announces the offer made to the next agent', async () => {
    const agents = [await agent('agent1'), await agent('agent2')];
    const taxpayer = await connectSocket(t.url, t.taxpayerToken({ sub: 'tp-late' }));
    sockets.push(taxpayer);
    const asked = await request(taxpayer, 'help:request', { language: 'zh', topic: 'invoice', channel: 'text', entry: { kind: 'portal', page: '/' } });
    if (!asked.ok) throw new Error(asked.error.message);
    const { sessionId } = asked.result;
    const first = await Promise.any(agents.map(async (a) => ({ a, offer: await a.log.next<OfferEvent>('offer:new', (o) => o.session.sessionId === sessionId) })));
    const other = agents.find((a) => a !== first.a)!;
    await new Promise((resolve) => setTimeout(resolve, 1300));
    const refused = await request(first.a.socket, 'offer:accept', { offerId: first.offer.offerId });
    // refused by the accept itself (the sweep would have said "no longer open")
    expect(refused).toMatchObject({ ok: false, error: { code: 'OFFER_EXPIRED', message: 'The offer timed out before it was accepted' } });
    const closed = await first.a.log.next<OfferClosedEvent>('offer:closed', (c) => c.offerId === first.offer.offerId);
    expect(closed.reason).toBe('timeout');
    const next = await other.log.next<OfferEvent>('offer:new', (o) => o.session.sessionId === sessionId);
    expect(next.offerId).not.toBe(first.offer.offerId);
    expect(await request(other.socket, 'offer:accept', { offerId: next.offerId })).toMatchObject({ ok: true });
  });
});
