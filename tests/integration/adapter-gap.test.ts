import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ChatMessage, HelpRequest, OfferEvent, SessionSummary } from '@etax-assist/protocol';
import { compareStreamIds } from '@etax-assist/server';
import { EventLog } from '../harness/events.js';
import { freePort } from '../harness/ports.js';
import { spawnService } from '../harness/process.js';
import { CLUSTER_SECRETS, DEV_PASSWORDS, METRICS_TOKEN, startTestService, startTestStores, instanceProcessEnv } from '../harness/service.js';
import { connectSocket, requestOk, type TestSocket } from '../harness/socket.js';

const STREAM = 'etax:socket.io';
const PASSWORDS = { ...DEV_PASSWORDS, agent2: 'agent2-pass', agent3: 'agent3-pass' };

const help = (topic: string, channel: 'text' | 'voice'): HelpRequest => ({ language: 'zh', topic, channel, entry: { kind: 'portal', page: '/' } });

/**
 * Issue 15, item 11: an instance that falls behind the trimming of the adapter's stream (paused
 * here with SIGSTOP while the others push more than SOCKET_ADAPTER_STREAM_MAXLEN packets) notices
 * the gap and gives its clients their state again, instead of losing what the trimmed packets said.
 */
describe("an instance that falls behind the adapter stream's trimming", () => {
  it("notices the gap and resynchronises its clients: a taxpayer learns its session ended, an agent set offline loses the session's rooms, the offer made meanwhile reaches its agent, the chat is whole", async () => {
    const stores = await startTestStores();
    // a pause of seconds is no death here (that is the heartbeat tests' subject)
    const env = { ...CLUSTER_SECRETS, SOCKET_ADAPTER_STREAM_MAXLEN: '100', CHAT_MAX_PER_MINUTE: '10000', INSTANCE_HEARTBEAT_TIMEOUT_MS: '60000', DISPATCH_OFFER_TIMEOUT_S: '120' };
    const live = await startTestService({ ...env, INSTANCE_ID: 'live' }, stores);
    const dataDir = mkdtempSync(join(tmpdir(), 'etax-lagging-'));
    const port = await freePort();
    const laggingUrl = `http://127.0.0.1:${port}`;
    const lagging = spawnService({
      ...(await instanceProcessEnv(stores, port, dataDir)),
      ...env,
      INSTANCE_ID: 'lagging',
      METRICS_TOKEN,
    });
    const sockets: TestSocket[] = [];
    const connect = async (url: string, token: string) => {
      const socket = await connectSocket(url, token);
      sockets.push(socket);
      return { socket, log: new EventLog(socket) };
    };
    try {
      await lagging.waitFor('agent console');
      // agent1 (live) serves two taxpayers: one on the instance that will lag, one on the live one
      const agent1 = await connect(live.url, await live.staffToken('agent1', PASSWORDS.agent1));
      await requestOk(agent1.socket, 'agent:status', { status: 'available' });
      const taxpayerA = await connect(laggingUrl, live.taxpayerToken({ sub: 'tp-lagging', name: '滞后' }));
      const session1 = (await requestOk(taxpayerA.socket, 'help:request', help('invoice', 'text'))).sessionId;
      await requestOk(agent1.socket, 'offer:accept', { offerId: (await agent1.log.next<OfferEvent>('offer:new', (o) => o.session.sessionId === session1)).offerId });
      await taxpayerA.log.next<SessionSummary>('session:state', (s) => s.state === 'active');
      const taxpayerC = await connect(live.url, live.taxpayerToken({ sub: 'tp-chatty' }));
      const sessionC = (await requestOk(taxpayerC.socket, 'help:request', help('invoice', 'text'))).sessionId;
      await requestOk(agent1.socket, 'offer:accept', { offerId: (await agent1.log.next<OfferEvent>('offer:new', (o) => o.session.sessionId === sessionC)).offerId });
      // agent3 (lagging) serves a taxpayer on the live instance; agent2 (lagging) waits for work
      const agent3 = await connect(laggingUrl, await live.staffToken('agent3', PASSWORDS.agent3));
      await requestOk(agent3.socket, 'agent:status', { status: 'available' });
      const taxpayerE = await connect(live.url, live.taxpayerToken({ sub: 'tp-moved' }));
      const sessionE = (await requestOk(taxpayerE.socket, 'help:request', help('social-insurance', 'text'))).sessionId;
      await requestOk(agent3.socket, 'offer:accept', { offerId: (await agent3.log.next<OfferEvent>('offer:new')).offerId });
      const agent2 = await connect(laggingUrl, await live.staffToken('agent2', PASSWORDS.agent2));
      await requestOk(agent2.socket, 'agent:status', { status: 'available' });
      const supervisor = await connect(live.url, await live.staffToken('super1', PASSWORDS.super1));
      const inSessionE = async () => (await live.service.app.io.in(`session:${sessionE}`).fetchSockets()).map((s) => s.id);
      expect(await inSessionE()).toContain(agent3.socket.id);
      // the paused consumer cannot have read past the stream's end now
      const [endBeforePause] = await live.service.redis.xRevRange(STREAM, '+', '-', { COUNT: 1 });

      lagging.child.kill('SIGSTOP');
      const from = { taxpayerA: taxpayerA.log.mark(), agent2: agent2.log.mark(), agent3: agent3.log.mark() };
      // agent1 says goodbye to taxpayer A and ends the session
      await requestOk(agent1.socket, 'chat:send', { sessionId: session1, text: '再见' });
      await requestOk(agent1.socket, 'session:end', { sessionId: session1 });
      // agent3 is set offline: its session goes back to the queue and is offered to agent2
      await requestOk(supervisor.socket, 'supervisor:agent-status', { agentId: 'agent3', status: 'offline' });
      expect(await live.service.redis.hGet(`sess:${sessionE}`, 'offerAgent')).toBe('agent2');
      for (let i = 0; i < 300; i++) await requestOk(taxpayerC.socket, 'chat:send', { sessionId: sessionC, text: `flood ${i}` });
      // the gap happened: the stream was trimmed past everything the paused instance can have read
      const [oldestKept] = await live.service.redis.xRange(STREAM, '-', '+', { COUNT: 1 });
      expect(compareStreamIds(oldestKept!.id, endBeforePause!.id)).toBeGreaterThan(0);

      lagging.child.kill('SIGCONT');
      await lagging.waitFor('socket.io adapter stream was trimmed past what this instance had read');
      // taxpayer A learns its session ended, and reads the goodbye
      const ended = await taxpayerA.log.next<SessionSummary>('session:state', (s) => s.sessionId === session1 && s.state === 'wrap-up', 15_000, from.taxpayerA);
      expect(ended.agent?.id).toBe('agent1');
      await taxpayerA.log.next<ChatMessage>('chat:message', (m) => m.text === '再见', 15_000, from.taxpayerA);
      // agent3 learns it is offline and out of the session, and its socket has left the session's rooms
      await agent3.log.next<{ state: { status: string } }>('agent:state', (e) => e.state.status === 'offline', 15_000, from.agent3);
      await agent3.log.next<{ agent?: { id: string } }>('session:notice', (n) => n.agent?.id === 'agent3', 15_000, from.agent3);
      await expect.poll(inSessionE).not.toContain(agent3.socket.id);
      // agent2 gets the offer made meanwhile, with the time it has left, and can take it
      const offer = await agent2.log.next<OfferEvent>('offer:new', (o) => o.session.sessionId === sessionE, 15_000, from.agent2);
      expect(offer.expiresInMs).toBeGreaterThan(0);
      expect(offer.expiresInMs).toBeLessThanOrEqual(120_000);
      await requestOk(agent2.socket, 'offer:accept', { offerId: offer.offerId });
      await taxpayerE.log.next<SessionSummary>('session:state', (s) => s.state === 'active' && s.agent?.id === 'agent2');
      const metrics = await (await fetch(`${laggingUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
      expect(Number(/^etax_adapter_stream_gaps_total (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
      expect(Number(/^etax_adapter_resynced_sockets_total (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(3);
    } finally {
      for (const socket of sockets) socket.close();
      lagging.child.kill('SIGCONT');
      lagging.child.kill('SIGKILL');
      await lagging.exited;
      await live.stop();
      await stores.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
