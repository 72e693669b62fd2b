import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OfferEvent } from '@etax-assist/protocol';
import { EventLog } from '../harness/events.js';
import { DEV_PASSWORDS, startTestCluster, type TestCluster } from '../harness/service.js';
import { connectSocket, requestOk, type TestSocket } from '../harness/socket.js';

const meta = (t: number) => ({ type: 4, data: { href: 'https://portal/x', width: 800, height: 600 }, timestamp: t });
const full = (t: number) => ({
  type: 2,
  data: { node: { type: 0, childNodes: [{ type: 3, textContent: 'hello', id: 2 }], id: 1 }, initialOffset: { left: 0, top: 0 } },
  timestamp: t,
});

/**
 * Redis restarts under two instances (append-only file on): what was acknowledged before is
 * there after — a waiting request, an active session, its chat and its recording — and the
 * instances carry on by themselves (dispatching, relaying between them). A graceful restart
 * with the default fsync every second; a crash (kill -9) with `appendfsync always`.
 */
describe.each([
  { how: 'restarts', crash: false, appendfsync: 'everysec' as const },
  { how: 'is killed (kill -9) and started again, appendfsync always,', crash: true, appendfsync: 'always' as const },
])('Redis $how under a running cluster', ({ crash, appendfsync }) => {
  let c: TestCluster;
  const sockets: TestSocket[] = [];
  beforeAll(async () => {
    c = await startTestCluster(2, { COBROWSE_RECORDING_FLUSH_MS: '100', INSTANCE_HEARTBEAT_INTERVAL_MS: '200', INSTANCE_HEARTBEAT_TIMEOUT_MS: '3000' }, appendfsync);
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await c?.stop();
  });

  it('loses nothing acknowledged before the restart, and the service goes on', async () => {
    const [one, two] = c.instances;
    const connect = async (url: string, token: string) => {
      const socket = await connectSocket(url, token);
      sockets.push(socket);
      return { socket, log: new EventLog(socket) };
    };
    // an active session across the instances, with chat and a shared screen
    const agent = await connect(two!.url, await two!.staffToken('agent1', DEV_PASSWORDS.agent1));
    await requestOk(agent.socket, 'agent:status', { status: 'available' });
    const taxpayer = await connect(one!.url, one!.taxpayerToken({ sub: 'tp-aof' }));
    const active = await requestOk(taxpayer.socket, 'help:request', { language: 'zh', topic: 'invoice', channel: 'text', entry: { kind: 'portal', page: '/' } });
    const offer = await agent.log.next<OfferEvent>('offer:new');
    await requestOk(agent.socket, 'offer:accept', { offerId: offer.offerId });
    await requestOk(taxpayer.socket, 'chat:send', { sessionId: active.sessionId, text: 'acknowledged before' });
    await requestOk(taxpayer.socket, 'cobrowse:share', { sessionId: active.sessionId, sharing: true });
    await requestOk(taxpayer.socket, 'cobrowse:events', { sessionId: active.sessionId, seq: 0, events: [meta(1), full(2)] });
    await expect.poll(() => one!.service.redis.xLen(`cb:${active.sessionId}:rec`), { timeout: 5000 }).toBeGreaterThan(0);
    // and a request nobody on duty can take: it waits in its queue
    const waiting = await connect(two!.url, two!.taxpayerToken({ sub: 'tp-aof-queued' }));
    const queued = await requestOk(waiting.socket, 'help:request', { language: 'zh', topic: 'registration', channel: 'text', entry: { kind: 'portal', page: '/' } });
    expect(queued.state).toBe('queued');

    const before = c.redis.redis;
    await c.redis.restart(crash);
    // the fault happened: a new redis-server process, which reloaded the append-only file
    expect(c.redis.redis).not.toBe(before);

    const redis = one!.service.redis;
    await expect.poll(() => redis.isReady, { timeout: 10_000 }).toBe(true);
    expect(await redis.hGet(`sess:${active.sessionId}`, 'state')).toBe('active');
    expect(await redis.hGet(`sess:${queued.sessionId}`, 'state')).toBe('queued');
    const history = await requestOk(agent.socket, 'chat:history', { sessionId: active.sessionId });
    expect(history.messages.map((m) => m.text)).toEqual(['acknowledged before']);
    const supervisor = await connect(one!.url, await one!.staffToken('super1', DEV_PASSWORDS.super1));
    // a live session's recording is read by those observing it
    await requestOk(supervisor.socket, 'supervisor:observe', { sessionId: active.sessionId, mode: 'monitor' });
    const recording = await requestOk(supervisor.socket, 'cobrowse:recording', { sessionId: active.sessionId });
    expect(recording.entries.some((e) => e.kind === 'rrweb')).toBe(true);

    // the instances carry on: chat crosses from one to the other, the waiting request is offered
    const delivered = agent.log.next<{ text: string }>('chat:message', (m) => m.text === 'after the restart', 15_000);
    await requestOk(taxpayer.socket, 'chat:send', { sessionId: active.sessionId, text: 'after the restart' });
    await delivered;
    const registrar = await connect(one!.url, await one!.staffToken('agent2', 'agent2-pass'));
    await requestOk(registrar.socket, 'agent:status', { status: 'available' });
    const late = await registrar.log.next<OfferEvent>('offer:new', (o) => o.session.sessionId === queued.sessionId, 15_000);
    expect(late.session.topic).toBe('registration');
  });
});
