import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_PASSWORDS, startTestService, type TestService } from '../harness/service.js';
import { activeSession, type ActiveSession } from '../harness/session.js';
import { connectSocket, request, requestOk } from '../harness/socket.js';

const OPUS = { codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 }], encodings: [{ ssrc: 22220000 }] };
// A DTLS role the server accepts; the handshake never happens here (no media flows in this test).
const DTLS = { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: Array(32).fill('AB').join(':') }] };

describe('media signalling over the session socket (real mediasoup worker)', () => {
  let t: TestService;
  let s: ActiveSession;
  beforeAll(async () => {
    t = await startTestService({ MEDIA_DISCONNECT_GRACE_S: '1' });
    s = await activeSession(t, 'tp-media', { username: 'agent1', password: DEV_PASSWORDS.agent1 });
  });
  afterAll(async () => {
    s?.taxpayer.socket.close();
    s?.agent.socket.close();
    await t?.stop();
  });

  const counts = async () => {
    const [worker] = await t.service.pool.dumpWorkers();
    const room = t.service.pool.getRoom(s.sessionId);
    return { routers: worker?.routers, transports: worker?.webRtcTransports, consumers: room?.consumerCount ?? 0 };
  };

  /** Taxpayer publishes audio, agent consumes it: a full signalling round. */
  async function call(): Promise<{ producerId: string; consumerId: string }> {
    const join = await requestOk(s.taxpayer.socket, 'media:join', { sessionId: s.sessionId });
    const send = await requestOk(s.taxpayer.socket, 'media:create-transport', { sessionId: s.sessionId, direction: 'send' });
    await requestOk(s.taxpayer.socket, 'media:connect-transport', { sessionId: s.sessionId, transportId: send.transportId, dtlsParameters: DTLS });
    const { producerId } = await requestOk(s.taxpayer.socket, 'media:produce', {
      sessionId: s.sessionId,
      transportId: send.transportId,
      kind: 'audio',
      rtpParameters: OPUS,
      source: 'mic',
    });
    const agentJoin = await requestOk(s.agent.socket, 'media:join', { sessionId: s.sessionId });
    expect(agentJoin.producers.map((p) => p.producerId)).toContain(producerId);
    const recv = await requestOk(s.agent.socket, 'media:create-transport', { sessionId: s.sessionId, direction: 'recv' });
    const consumer = await requestOk(s.agent.socket, 'media:consume', {
      sessionId: s.sessionId,
      transportId: recv.transportId,
      producerId,
      rtpCapabilities: join.routerRtpCapabilities,
    });
    expect(consumer.paused).toBe(true);
    await requestOk(s.agent.socket, 'media:set-consumer-paused', { sessionId: s.sessionId, consumerId: consumer.consumerId, paused: false });
    return { producerId, consumerId: consumer.consumerId };
  }

  it('announces producers to the other participants and reports media stats', async () => {
    const announced = s.agent.log.next<{ producer: { peer: { role: string }; source: string } }>('media:producer-added');
    await requestOk(s.agent.socket, 'media:join', { sessionId: s.sessionId });
    const { producerId } = await call();
    expect((await announced).producer).toMatchObject({ source: 'mic', peer: { role: 'taxpayer' } });
    const stats = await requestOk(s.agent.socket, 'media:stats', { sessionId: s.sessionId });
    expect(stats.consumers).toBe(1);
    expect(stats.transports).toHaveLength(2);
    expect(stats.producers.map((p) => p.producerId)).toEqual([producerId]);
    const removed = s.agent.log.next<{ producerId: string }>('media:producer-removed', (e) => e.producerId === producerId);
    await requestOk(s.taxpayer.socket, 'media:close-producer', { sessionId: s.sessionId, producerId });
    await removed;
    // the worker closes the consumers of a closed producer a moment later
    await expect.poll(async () => (await counts()).consumers).toBe(0);
    await requestOk(s.taxpayer.socket, 'media:leave', { sessionId: s.sessionId });
    await requestOk(s.agent.socket, 'media:leave', { sessionId: s.sessionId });
  });

  it('refuses what a participant may not do, with clear codes', async () => {
    const stranger = await connectSocket(t.url, t.taxpayerToken({ sub: 'tp-stranger' }));
    expect(await request(stranger, 'media:join', { sessionId: s.sessionId })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await request(stranger, 'media:create-transport', { sessionId: s.sessionId, direction: 'send' })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    stranger.close();
    await requestOk(s.taxpayer.socket, 'media:join', { sessionId: s.sessionId });
    const send = await requestOk(s.taxpayer.socket, 'media:create-transport', { sessionId: s.sessionId, direction: 'send' });
    expect(
      await request(s.taxpayer.socket, 'media:produce', { sessionId: s.sessionId, transportId: send.transportId, kind: 'audio', rtpParameters: { codecs: [] }, source: 'mic' }),
    ).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(
      await request(s.taxpayer.socket, 'media:consume', {
        sessionId: s.sessionId,
        transportId: send.transportId,
        producerId: 'nope',
        rtpCapabilities: { codecs: [], headerExtensions: [] },
      }),
    ).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await request(s.taxpayer.socket, 'media:stats', { sessionId: s.sessionId })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    await requestOk(s.taxpayer.socket, 'media:leave', { sessionId: s.sessionId });
  });

  it('lets a silent monitor receive but never send', async () => {
    const supervisor = await connectSocket(t.url, await t.staffToken('super1', DEV_PASSWORDS.super1));
    await requestOk(supervisor, 'supervisor:observe', { sessionId: s.sessionId, mode: 'monitor' });
    const join = await requestOk(supervisor, 'media:join', { sessionId: s.sessionId });
    expect(join.monitor).toBe(true);
    expect(await request(supervisor, 'media:create-transport', { sessionId: s.sessionId, direction: 'send' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await request(supervisor, 'media:create-transport', { sessionId: s.sessionId, direction: 'recv' })).toMatchObject({ ok: true });
    await requestOk(supervisor, 'media:leave', { sessionId: s.sessionId });
    supervisor.close();
  });

  it('a supervisor who monitored and then joins may send; after leaving, nothing of the session is open to them', async () => {
    const supervisor = await connectSocket(t.url, await t.staffToken('super1', DEV_PASSWORDS.super1));
    await requestOk(supervisor, 'supervisor:observe', { sessionId: s.sessionId, mode: 'monitor' });
    await requestOk(supervisor, 'supervisor:observe', { sessionId: s.sessionId, mode: 'join' });
    const join = await requestOk(supervisor, 'media:join', { sessionId: s.sessionId });
    expect(join.monitor).toBe(false);
    expect(await request(supervisor, 'media:create-transport', { sessionId: s.sessionId, direction: 'send' })).toMatchObject({ ok: true });
    expect(t.service.pool.getRoom(s.sessionId)?.participant('supervisor:super1')?.transports.size).toBe(1);
    // no media:leave first: unobserving alone closes what the supervisor had in the call
    await requestOk(supervisor, 'supervisor:unobserve', { sessionId: s.sessionId });
    await expect.poll(() => t.service.pool.getRoom(s.sessionId)?.participant('supervisor:super1')).toBeUndefined();
    expect(await request(supervisor, 'media:create-transport', { sessionId: s.sessionId, direction: 'recv' })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    // as for anyone outside a session, it does not exist for them
    expect(await request(supervisor, 'media:join', { sessionId: s.sessionId })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await request(supervisor, 'chat:send', { sessionId: s.sessionId, text: 'still here?' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await request(supervisor, 'supervisor:unobserve', { sessionId: 'nope' })).toMatchObject({ ok: false });
    supervisor.close();
  });

  it('leaks nothing after 50 join/leave cycles: transports, producers and consumers back to zero', async () => {
    for (let i = 0; i < 50; i++) {
      await call();
      const during = await counts();
      expect(during.transports).toBe(2);
      expect(during.consumers).toBe(1);
      if (i % 2 === 0) {
        await requestOk(s.taxpayer.socket, 'media:leave', { sessionId: s.sessionId });
        await requestOk(s.agent.socket, 'media:leave', { sessionId: s.sessionId });
      }
      // odd cycles: the next join of the same peers replaces (and closes) what they had
    }
    await requestOk(s.taxpayer.socket, 'media:leave', { sessionId: s.sessionId });
    await requestOk(s.agent.socket, 'media:leave', { sessionId: s.sessionId });
    expect(await counts()).toEqual({ routers: 0, transports: 0, consumers: 0 });
  });

  it('closes the media of a participant whose socket stays gone past the grace period', async () => {
    await call();
    expect((await counts()).transports).toBe(2);
    s.taxpayer.socket.disconnect();
    // within the grace period nothing is closed: a reconnecting client could carry on
    expect((await counts()).transports).toBe(2);
    await expect.poll(async () => (await counts()).transports, { timeout: 5000 }).toBe(1);
    expect((await counts()).consumers).toBe(0);
    s.taxpayer.socket.connect();
    await requestOk(s.agent.socket, 'media:leave', { sessionId: s.sessionId });
    expect(await counts()).toEqual({ routers: 0, transports: 0, consumers: 0 });
  });
});
