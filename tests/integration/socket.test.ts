import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HelpRequest } from '@etax-assist/protocol';
import { BAD_TOKENS } from '../harness/bad-tokens.js';
import { CLUSTER_SECRETS, DEV_PASSWORDS, startTestService, type TestService } from '../harness/service.js';
import { connectSocket, rawRequest, request, type TestSocket } from '../harness/socket.js';

const helpRequest: HelpRequest = { language: 'zh', topic: 'refund', channel: 'voice', entry: { kind: 'portal', page: '/refund/step-2' } };

describe('realtime socket against a real service', () => {
  let t: TestService;
  const sockets: TestSocket[] = [];
  const connect = async (token: string | undefined) => {
    const socket = await connectSocket(t.url, token);
    sockets.push(socket);
    return socket;
  };

  beforeAll(async () => {
    // as in production: the portal's pages are not trusted with the green channel
    t = await startTestService({
      ...CLUSTER_SECRETS,
      SOCKET_MAX_PAYLOAD_BYTES: '20000',
      COBROWSE_MAX_SNAPSHOT_BYTES: '10240',
      HELP_CLIENT_PRIORITY_ALLOWED: 'false',
    });
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await t?.stop();
  });

  it.each(BAD_TOKENS.map((bad) => [bad.name, bad] as const))('refuses a %s token at connect with its code and reason', async (_name, bad) => {
    await expect(connectSocket(t.url, bad.make(t))).rejects.toMatchObject({ code: bad.code, message: expect.stringMatching(bad.message) });
  });

  it('opens a queued session in Redis for a taxpayer and refuses a second one', async () => {
    const socket = await connect(t.taxpayerToken({ sub: 'tp-open' }));
    const ack = await request(socket, 'help:request', helpRequest);
    expect(ack.ok).toBe(true);
    if (!ack.ok) return;
    expect(ack.result).toMatchObject({ state: 'queued', topic: 'refund', channel: 'voice', priority: 'normal' });
    const redis = createClient({ url: t.redis.url });
    await redis.connect();
    const stored = await redis.hGetAll(`sess:${ack.result.sessionId}`);
    await redis.close();
    expect(stored).toMatchObject({ taxpayerSub: 'tp-open', taxpayerName: '张伟', state: 'queued', topic: 'refund' });

    const again = await request(socket, 'help:request', { ...helpRequest, topic: 'invoice' });
    expect(again).toMatchObject({ ok: false, error: { code: 'CONFLICT', details: { sessionId: ack.result.sessionId } } });
  });

  it('refuses a green-channel priority or a kiosk entry claimed by the page itself, and opens nothing', async () => {
    const socket = await connect(t.taxpayerToken({ sub: 'tp-claims' }));
    const green = await request(socket, 'help:request', { ...helpRequest, priority: 'elderly' });
    expect(green).toMatchObject({ ok: false, error: { code: 'CLAIM_NOT_GRANTED', message: expect.stringContaining('green channel'), details: { claim: 'priority' } } });
    const kiosk = await request(socket, 'help:request', { ...helpRequest, entry: { kind: 'kiosk', device: 'not-a-device-token' } });
    expect(kiosk).toMatchObject({
      ok: false,
      error: { code: 'CLAIM_NOT_GRANTED', message: expect.stringContaining("registered kiosk's device token"), details: { claim: 'kiosk' } },
    });
    // the kiosk and hall are the registry's to say, not the page's
    const named = await rawRequest(socket, 'help:request', { ...helpRequest, entry: { kind: 'kiosk', kioskId: 'K-01', hall: '浦东办税服务厅' } });
    expect(named).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(await t.service.redis.get('taxpayer:tp-claims:active')).toBeNull();
    // an ordinary request from the same page is served
    expect(await request(socket, 'help:request', { ...helpRequest, priority: 'normal' })).toMatchObject({ ok: true, result: { priority: 'normal' } });
  });

  it('takes the green channel from the portal token: granted by default, declinable, never another group', async () => {
    const granted = await connect(t.taxpayerToken({ sub: 'tp-green', priority: 'elderly' }));
    const other = await request(granted, 'help:request', { ...helpRequest, priority: 'pregnant' });
    expect(other).toMatchObject({ ok: false, error: { code: 'CLAIM_NOT_GRANTED', message: expect.stringContaining("grants 'elderly'"), details: { claim: 'priority' } } });
    expect(await request(granted, 'help:request', helpRequest)).toMatchObject({ ok: true, result: { priority: 'elderly' } });
    const declined = await connect(t.taxpayerToken({ sub: 'tp-green-declined', priority: 'disabled' }));
    expect(await request(declined, 'help:request', { ...helpRequest, priority: 'normal' })).toMatchObject({ ok: true, result: { priority: 'normal' } });
  });

  it('answers bad requests with an error ack and keeps the connection', async () => {
    const socket = await connect(t.taxpayerToken({ sub: 'tp-bad' }));
    expect(await rawRequest(socket, 'help:request', { ...helpRequest, channel: 'fax' })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(await rawRequest(socket, 'help:request', { ...helpRequest, topic: 'astrology' })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(await rawRequest(socket, 'help:request')).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(await rawRequest(socket, 'no:such-thing', {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_EVENT' } });
    expect(socket.connected).toBe(true);
  });

  it('lets only taxpayers ask for help', async () => {
    const socket = await connect(await t.staffToken('agent1', DEV_PASSWORDS.agent1));
    expect(await request(socket, 'help:request', helpRequest)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('creates one router per session on media:join, only for its participants', async () => {
    const owner = await connect(t.taxpayerToken({ sub: 'tp-media' }));
    const opened = await request(owner, 'help:request', helpRequest);
    if (!opened.ok) throw new Error('help request failed');
    const { sessionId } = opened.result;
    const before = t.service.pool.roomCount;
    const join = await request(owner, 'media:join', { sessionId });
    expect(join.ok).toBe(true);
    if (join.ok) expect(join.result.routerRtpCapabilities.codecs.length).toBeGreaterThan(0);
    expect(t.service.pool.roomCount).toBe(before + 1);
    expect(t.service.pool.getRoom(sessionId)).toBeDefined();

    const stranger = await connect(t.taxpayerToken({ sub: 'tp-stranger' }));
    expect(await request(stranger, 'media:join', { sessionId })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await request(stranger, 'media:join', { sessionId: 'no' })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(t.service.pool.roomCount).toBe(before + 1);
  });

  it('closes the connection of a client that sends more than SOCKET_MAX_PAYLOAD_BYTES', async () => {
    const socket = await connect(t.taxpayerToken({ sub: 'tp-big' }));
    const closed = new Promise((resolve) => socket.once('disconnect', resolve));
    socket.emit('help:request', { ...helpRequest, entry: { kind: 'portal', page: 'x'.repeat(30000) } }, () => {});
    expect(await closed).toBe('transport close');
  });

  it('counts socket requests by outcome in /metrics', async () => {
    const text = await t.metricsText();
    expect(text).toMatch(/etax_socket_requests_total\{request="help:request",outcome="VALIDATION_FAILED"\} [1-9]/);
    expect(text).toMatch(/etax_socket_requests_total\{request="media:join",outcome="ok"\} 1/);
  });
});
