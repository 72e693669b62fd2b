import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InstanceInfo, InstanceList, OfferEvent, SessionSummary } from '@etax-assist/protocol';
import { EventLog } from '../harness/events.js';
import { freePort } from '../harness/ports.js';
import { spawnService } from '../harness/process.js';
import { CLUSTER_SECRETS, DEV_PASSWORDS, METRICS_TOKEN, startTestCluster, startTestService, startTestStores, instanceProcessEnv, type TestCluster } from '../harness/service.js';
import { connectSocket, request, requestOk, type TestSocket } from '../harness/socket.js';

const OPUS = { codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 }], encodings: [{ ssrc: 33330000 }] };
const meta = (t: number) => ({ type: 4, data: { href: 'https://portal/x', width: 800, height: 600 }, timestamp: t });
const full = (t: number) => ({
  type: 2,
  data: { node: { type: 0, childNodes: [{ type: 3, textContent: 'hello', id: 2 }], id: 1 }, initialOffset: { left: 0, top: 0 } },
  timestamp: t,
});
const mutation = (t: number) => ({ type: 3, data: { source: 0, texts: [], attributes: [], removes: [], adds: [] }, timestamp: t });

/**
 * Two instances on one Redis, as behind a load balancer: the taxpayer is connected to the first,
 * the agent to the second, and the session works across them.
 */
describe('several instances on one Redis', () => {
  let c: TestCluster;
  let taxpayer: { socket: TestSocket; log: EventLog };
  let agent: { socket: TestSocket; log: EventLog };
  let sessionId: string;
  beforeAll(async () => {
    c = await startTestCluster(2, { INSTANCE_HEARTBEAT_INTERVAL_MS: '200', INSTANCE_HEARTBEAT_TIMEOUT_MS: '1000' });
    const [one, two] = c.instances;
    const agentSocket = await connectSocket(two!.url, await two!.staffToken('agent1', DEV_PASSWORDS.agent1));
    agent = { socket: agentSocket, log: new EventLog(agentSocket) };
    const taxpayerSocket = await connectSocket(one!.url, one!.taxpayerToken({ sub: 'tp-cluster', name: '跨实例' }));
    taxpayer = { socket: taxpayerSocket, log: new EventLog(taxpayerSocket) };
  });
  afterAll(async () => {
    taxpayer?.socket.close();
    agent?.socket.close();
    await c?.stop();
  });

  it('routes a request on instance 1 to the agent on instance 2; chat, co-browsing, annotations and control cross over', async () => {
    await requestOk(agent.socket, 'agent:status', { status: 'available' });
    const asked = await requestOk(taxpayer.socket, 'help:request', { language: 'zh', topic: 'invoice', channel: 'voice', entry: { kind: 'portal', page: '/' } });
    sessionId = asked.sessionId;
    const offer = await agent.log.next<OfferEvent>('offer:new', (o) => o.session.sessionId === sessionId);
    await requestOk(agent.socket, 'offer:accept', { offerId: offer.offerId });
    await taxpayer.log.next<SessionSummary>('session:state', (s) => s.state === 'active');

    const toAgent = agent.log.next<{ text: string }>('chat:message', (m) => m.text === '您好');
    await requestOk(taxpayer.socket, 'chat:send', { sessionId, text: '您好' });
    await toAgent;
    const toTaxpayer = taxpayer.log.next<{ text: string }>('chat:message', (m) => m.text === '请讲');
    await requestOk(agent.socket, 'chat:send', { sessionId, text: '请讲' });
    await toTaxpayer;

    await requestOk(agent.socket, 'cobrowse:watch', { sessionId });
    await requestOk(taxpayer.socket, 'cobrowse:share', { sessionId, sharing: true });
    await requestOk(taxpayer.socket, 'cobrowse:events', { sessionId, seq: 0, events: [meta(1), full(2)] });
    await requestOk(taxpayer.socket, 'cobrowse:events', { sessionId, seq: 1, events: [mutation(3)] });
    await agent.log.next<{ events: { type: number }[] }>('cobrowse:events', (e) => e.events[0]?.type === 3);

    const pointed = taxpayer.log.next<{ annotation: { kind: string } }>('cobrowse:annotation');
    await requestOk(agent.socket, 'cobrowse:annotate', { sessionId, annotation: { kind: 'pointer', x: 10, y: 20 } });
    expect((await pointed).annotation.kind).toBe('pointer');
    await requestOk(agent.socket, 'cobrowse:control-request', { sessionId });
    await requestOk(taxpayer.socket, 'cobrowse:control-answer', { sessionId, grant: true, requesterId: 'agent1' });
    const input = taxpayer.log.next<{ input: { action: string } }>('cobrowse:control-input');
    await requestOk(agent.socket, 'cobrowse:control-input', { sessionId, input: { action: 'click', nodeId: 2 } });
    expect((await input).input.action).toBe('click');
  });

  it("keeps a session's media room on one instance: the other forwards its participants' signalling", async () => {
    const [one, two] = c.instances;
    const join = await requestOk(taxpayer.socket, 'media:join', { sessionId });
    const holder = one!.service.pool.getRoom(sessionId) ? one! : two!;
    const other = holder === one ? two! : one!;
    expect(other.service.pool.getRoom(sessionId)).toBeUndefined();

    const send = await requestOk(taxpayer.socket, 'media:create-transport', { sessionId, direction: 'send' });
    const announced = agent.log.next<{ producer: { producerId: string } }>('media:producer-added');
    await requestOk(agent.socket, 'media:join', { sessionId });
    const { producerId } = await requestOk(taxpayer.socket, 'media:produce', { sessionId, transportId: send.transportId, kind: 'audio', rtpParameters: OPUS, source: 'mic' });
    expect((await announced).producer.producerId).toBe(producerId);
    const recv = await requestOk(agent.socket, 'media:create-transport', { sessionId, direction: 'recv' });
    // both transports are on the holder's WebRtcServer: its router has them, the other none
    const room = holder.service.pool.getRoom(sessionId)!;
    expect(room.participants.flatMap((p) => [...p.transports.keys()]).sort()).toEqual([send.transportId, recv.transportId].sort());
    await requestOk(agent.socket, 'media:consume', { sessionId, transportId: recv.transportId, producerId, rtpCapabilities: join.routerRtpCapabilities });
    expect(room.consumerCount).toBe(1);

    // leaving through either instance closes what the participant had on the holder
    await requestOk(taxpayer.socket, 'media:leave', { sessionId });
    await requestOk(agent.socket, 'media:leave', { sessionId });
    expect(holder.service.pool.getRoom(sessionId)).toBeUndefined();
  });

  it('lists the instances with their load; a drained instance gets no new rooms and tells the load balancer', async () => {
    const [one, two] = c.instances;
    const token = await one!.staffToken('super1', DEV_PASSWORDS.super1);
    const auth = { authorization: `Bearer ${token}` };
    const list = (await (await fetch(`${one!.url}/api/instances`, { headers: auth })).json()) as InstanceList;
    expect(list.self).toBe('instance-1');
    expect(list.instances.map((i) => i.id).sort()).toEqual(['instance-1', 'instance-2']);
    expect(await fetch(`${one!.url}/api/instances`)).toMatchObject({ status: 401 });
    expect((await fetch(`${one!.url}/api/instances/nope/drain`, { method: 'POST', headers: auth })).status).toBe(404);

    // drained through instance 1, instance 2 is the one that drains
    const drained = await fetch(`${one!.url}/api/instances/instance-2/drain`, { method: 'POST', headers: auth });
    expect(drained.status).toBe(200);
    expect(((await drained.json()) as InstanceInfo).draining).toBe(true);
    const health = await fetch(`${two!.url}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ status: 'draining' });
    // which instance it is only the metrics token's holder learns
    const detailed = await fetch(`${two!.url}/healthz`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(await detailed.json()).toMatchObject({ status: 'draining', instance: 'instance-2' });
    expect((await fetch(`${one!.url}/healthz`)).status).toBe(200);

    // a new call, joined through the drained instance, is placed on instance 1
    await requestOk(agent.socket, 'media:join', { sessionId });
    expect(one!.service.pool.getRoom(sessionId)).toBeDefined();
    expect(two!.service.pool.getRoom(sessionId)).toBeUndefined();
    await requestOk(agent.socket, 'media:leave', { sessionId });
  });
});

describe('an instance dies (kill -9) while it holds a call', () => {
  it('another instance notices within seconds, the room is placed again and the clients are told to rejoin; the session goes on', async () => {
    const stores = await startTestStores();
    const timing = { INSTANCE_HEARTBEAT_INTERVAL_MS: '200', INSTANCE_HEARTBEAT_TIMEOUT_MS: '1000' };
    const survivor = await startTestService({ ...CLUSTER_SECRETS, ...timing, INSTANCE_ID: 'survivor' }, stores);
    const dataDir = mkdtempSync(join(tmpdir(), 'etax-doomed-'));
    const port = await freePort();
    const doomed = spawnService({
      ...(await instanceProcessEnv(stores, port, dataDir)),
      ...CLUSTER_SECRETS,
      ...timing,
      INSTANCE_ID: 'doomed',
    });
    try {
      await doomed.waitFor('agent console');
      // both clients are connected to the survivor; the call is placed on the other instance
      const supervisorToken = await survivor.staffToken('super1', DEV_PASSWORDS.super1);
      await fetch(`${survivor.url}/api/instances/survivor/drain`, { method: 'POST', headers: { authorization: `Bearer ${supervisorToken}` } });
      const agentSocket = await connectSocket(survivor.url, await survivor.staffToken('agent1', DEV_PASSWORDS.agent1));
      const agentLog = new EventLog(agentSocket);
      const taxpayerSocket = await connectSocket(survivor.url, survivor.taxpayerToken({ sub: 'tp-doomed' }));
      const taxpayerLog = new EventLog(taxpayerSocket);
      await requestOk(agentSocket, 'agent:status', { status: 'available' });
      const asked = await requestOk(taxpayerSocket, 'help:request', { language: 'zh', topic: 'invoice', channel: 'voice', entry: { kind: 'portal', page: '/' } });
      const offer = await agentLog.next<OfferEvent>('offer:new');
      await requestOk(agentSocket, 'offer:accept', { offerId: offer.offerId });
      const sessionId = asked.sessionId;
      await requestOk(taxpayerSocket, 'chat:send', { sessionId, text: 'before the crash' });
      await requestOk(taxpayerSocket, 'media:join', { sessionId });
      await requestOk(agentSocket, 'media:join', { sessionId });
      expect(await survivor.service.redis.get(`media:owner:${sessionId}`)).toBe('doomed');
      expect(survivor.service.pool.getRoom(sessionId)).toBeUndefined();

      const rejoinTaxpayer = taxpayerLog.next<{ reason: string }>('media:rejoin', () => true, 10_000);
      const rejoinAgent = agentLog.next<{ reason: string }>('media:rejoin', () => true, 10_000);
      const killedAt = Date.now();
      doomed.child.kill('SIGKILL');
      await doomed.exited;
      // the fault happened: the holder no longer answers
      expect(await request(agentSocket, 'media:create-transport', { sessionId, direction: 'recv' })).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
      expect((await rejoinTaxpayer).reason).toBe('instance-lost');
      expect((await rejoinAgent).reason).toBe('instance-lost');
      expect(Date.now() - killedAt).toBeLessThan(5000);

      // rejoining places the room again (on the survivor, the only instance left) and the call works
      const join = await requestOk(taxpayerSocket, 'media:join', { sessionId });
      expect(join.monitor).toBe(false);
      expect(survivor.service.pool.getRoom(sessionId)).toBeDefined();
      await requestOk(taxpayerSocket, 'media:create-transport', { sessionId, direction: 'send' });
      // nothing of the session was lost: state and chat come from Redis
      expect(await survivor.service.redis.hGet(`sess:${sessionId}`, 'state')).toBe('active');
      const history = await requestOk(agentSocket, 'chat:history', { sessionId });
      expect(history.messages.map((m) => m.text)).toContain('before the crash');
      taxpayerSocket.close();
      agentSocket.close();
    } finally {
      doomed.child.kill('SIGKILL');
      await survivor.stop();
      await stores.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
