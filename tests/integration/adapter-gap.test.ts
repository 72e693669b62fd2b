import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ChatMessage, OfferEvent, SessionSummary } from '@etax-assist/protocol';
import { compareStreamIds } from '@etax-assist/server';
import { EventLog } from '../harness/events.js';
import { freeMediaPort, freePort } from '../harness/ports.js';
import { spawnService } from '../harness/process.js';
import { startTestRedis } from '../harness/redis.js';
import { CLUSTER_SECRETS, DEV_PASSWORDS, METRICS_TOKEN, startTestService, workerBin } from '../harness/service.js';
import { connectSocket, request, type TestSocket } from '../harness/socket.js';

const STREAM = 'etax:socket.io';
const PASSWORDS = { ...DEV_PASSWORDS, agent2: 'agent2-pass', agent3: 'agent3-pass' };

async function ok<T>(socket: TestSocket, name: string, payload: unknown): Promise<T> {
  const ack = await request<T>(socket, name, payload);
  if (!ack.ok) throw new Error(`${name}: ${ack.error.code} ${ack.error.message}`);
  return ack.result;
}

const help = (topic: string, channel: 'text' | 'voice') => ({ language: 'zh', topic, channel, entry: { kind: 'portal', page: '/' } });

/**
 * Issue 15, item 11: an instance that falls behind the trimming of the adapter's stream (paused
 * here with SIGSTOP while the others push more than SOCKET_ADAPTER_STREAM_MAXLEN packets) notices
 * the gap and gives its clients their state again, instead of losing what the trimmed packets said.
 */
describe('an instance that falls behind the adapter stream\'s trimming', () => {
  it('notices the gap and resynchronises its clients: the taxpayer learns the session ended, the agent gets the offer made meanwhile, the chat is whole', async () => {
    const redis = await startTestRedis();
    // a pause of seconds is no death here (that is the heartbeat tests' subject)
    const env = { ...CLUSTER_SECRETS, SOCKET_ADAPTER_STREAM_MAXLEN: '100', CHAT_MAX_PER_MINUTE: '10000', INSTANCE_HEARTBEAT_TIMEOUT_MS: '60000', DISPATCH_OFFER_TIMEOUT_S: '120' };
    const live = await startTestService({ ...env, INSTANCE_ID: 'live' }, redis);
    const dataDir = mkdtempSync(join(tmpdir(), 'etax-lagging-'));
    const port = await freePort();
    const laggingUrl = `http://127.0.0.1:${port}`;
    const lagging = spawnService({
      ...env, INSTANCE_ID: 'lagging', HOST: '127.0.0.1', PORT: String(port), DATA_DIR: dataDir, REDIS_URL: redis.url, METRICS_TOKEN,
      MEDIASOUP_WORKER_BIN: workerBin(), MEDIASOUP_NUM_WORKERS: '1', MEDIASOUP_RTC_BASE_PORT: String(await freeMediaPort()), LOG_LEVEL: 'warn',
    });
    const sockets: TestSocket[] = [];
    const connect = async (url: string, token: string) => {
      const socket = await connectSocket(url, token);
      sockets.push(socket);
      return { socket, log: new EventLog(socket) };
    };
    try {
      await lagging.waitFor('agent console');
      // on the instance that will lag: a taxpayer in a call with agent1 (live), and agent2 waiting for work
      const agent1 = await connect(live.url, await live.staffToken('agent1', PASSWORDS.agent1));
      const taxpayerA = await connect(laggingUrl, live.taxpayerToken({ sub: 'tp-lagging', name: '滞后' }));
      await ok(agent1.socket, 'agent:status', { status: 'available' });
      const session1 = (await ok<SessionSummary>(taxpayerA.socket, 'help:request', help('invoice', 'voice'))).sessionId;
      await ok(agent1.socket, 'offer:accept', { offerId: (await agent1.log.next<OfferEvent>('offer:new')).offerId });
      await taxpayerA.log.next<SessionSummary>('session:state', (s) => s.state === 'active');
      // a session entirely on the live instance, to push packets through while the other is paused
      const agent3 = await connect(live.url, await live.staffToken('agent3', PASSWORDS.agent3));
      const taxpayerC = await connect(live.url, live.taxpayerToken({ sub: 'tp-chatty' }));
      await ok(agent3.socket, 'agent:status', { status: 'available' });
      const sessionC = (await ok<SessionSummary>(taxpayerC.socket, 'help:request', help('refund', 'text'))).sessionId;
      await ok(agent3.socket, 'offer:accept', { offerId: (await agent3.log.next<OfferEvent>('offer:new')).offerId });
      await ok(agent3.socket, 'agent:status', { status: 'away' });
      const agent2 = await connect(laggingUrl, await live.staffToken('agent2', PASSWORDS.agent2));
      await ok(agent2.socket, 'agent:status', { status: 'available' });
      // the paused consumer cannot have read past the stream's end now
      const [endBeforePause] = await live.service.redis.xRevRange(STREAM, '+', '-', { COUNT: 1 });

      lagging.child.kill('SIGSTOP');
      const fromTaxpayer = taxpayerA.log.mark();
      const fromAgent2 = agent2.log.mark();
      await ok(agent1.socket, 'chat:send', { sessionId: session1, text: '再见' });
      await ok(agent1.socket, 'session:end', { sessionId: session1 });
      const taxpayerB = await connect(live.url, live.taxpayerToken({ sub: 'tp-meanwhile' }));
      const sessionB = (await ok<SessionSummary>(taxpayerB.socket, 'help:request', help('registration', 'text'))).sessionId;
      for (let i = 0; i < 300; i++) await ok(taxpayerC.socket, 'chat:send', { sessionId: sessionC, text: `flood ${i}` });
      // the gap happened: the stream was trimmed past everything the paused instance can have read
      const [oldestKept] = await live.service.redis.xRange(STREAM, '-', '+', { COUNT: 1 });
      expect(compareStreamIds(oldestKept!.id, endBeforePause!.id)).toBeGreaterThan(0);
      // and the offer was made to agent2 meanwhile
      expect(await live.service.redis.hGet(`sess:${sessionB}`, 'offerAgent')).toBe('agent2');
      expect(taxpayerA.log.of('session:state', fromTaxpayer)).toEqual([]);

      lagging.child.kill('SIGCONT');
      await lagging.waitFor('socket.io adapter stream was trimmed past what this instance had read');
      const ended = await taxpayerA.log.next<SessionSummary>('session:state', (s) => s.sessionId === session1 && s.state === 'wrap-up', 15_000, fromTaxpayer);
      expect(ended.agent?.id).toBe('agent1');
      await taxpayerA.log.next<ChatMessage>('chat:message', (m) => m.text === '再见', 15_000, fromTaxpayer);
      const offer = await agent2.log.next<OfferEvent>('offer:new', (o) => o.session.sessionId === sessionB, 15_000, fromAgent2);
      expect(offer.expiresInMs).toBeGreaterThan(0);
      expect(offer.expiresInMs).toBeLessThanOrEqual(120_000);
      // the re-announced offer can be taken
      await ok(agent2.socket, 'offer:accept', { offerId: offer.offerId });
      await taxpayerB.log.next<SessionSummary>('session:state', (s) => s.state === 'active' && s.agent?.id === 'agent2');
      const metrics = await (await fetch(`${laggingUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
      expect(Number(/^etax_adapter_stream_gaps_total (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
      expect(Number(/^etax_adapter_resynced_sockets_total (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(2);
    } finally {
      for (const socket of sockets) socket.close();
      lagging.child.kill('SIGCONT');
      lagging.child.kill('SIGKILL');
      await lagging.exited;
      await live.stop();
      await redis.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
