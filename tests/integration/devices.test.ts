import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HelpRequest, IssuedKioskCredential, SessionSummary } from '@etax-assist/protocol';
import { ADMIN_PASSWORD, deviceToken } from '../harness/kiosk-device.js';
import { DEV_PASSWORDS, startTestService, type TestService } from '../harness/service.js';
import { TestClients, request } from '../harness/socket.js';

const HALL = { id: 'xuhui', nameZh: '徐汇区办税服务厅', nameEn: 'Xuhui tax service hall', address: '上海市徐汇区', region: '徐汇区' };
const help = (device: string): HelpRequest => ({ language: 'zh', topic: 'invoice', channel: 'text', entry: { kind: 'kiosk', device } });

describe('halls and kiosks: the registry, device credentials and kiosk help requests', () => {
  let t: TestService;
  let admin: string;
  const clients = new TestClients(() => t.url);

  const api = async <T = Record<string, unknown>>(method: string, path: string, token: string | undefined, body?: unknown) => {
    const response = await fetch(`${t.url}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as T };
  };
  const exchange = (kioskId: string, credential: string) => api('POST', '/api/devices/token', undefined, { kioskId, credential });
  /** A help request from a fresh taxpayer at the kiosk the device token names, cancelled again. */
  const askFromKiosk = async (sub: string, device: string) => {
    const taxpayer = await clients.connect(t.taxpayerToken({ sub }));
    const asked = await request(taxpayer.socket, 'help:request', help(device));
    if (asked.ok) await request(taxpayer.socket, 'help:cancel', { sessionId: asked.result.sessionId });
    return asked;
  };

  beforeAll(async () => {
    t = await startTestService({ SIGNIN_MAX_FAILURES_PER_ACCOUNT: '3', DEVICE_TOKEN_TTL_S: '60' });
    admin = await t.staffToken('admin1', ADMIN_PASSWORD);
  });
  afterAll(async () => {
    clients.closeAll();
    await t?.stop();
  });

  it('keeps the admin API to administrators: 401 without a token, 403 for staff', async () => {
    const supervisor = await t.staffToken('super1', DEV_PASSWORDS.super1);
    const agent = await t.staffToken('agent1', DEV_PASSWORDS.agent1);
    for (const [method, path] of [
      ['GET', '/api/devices/halls'],
      ['POST', '/api/devices/halls'],
      ['PATCH', '/api/devices/halls/xuhui'],
      ['GET', '/api/devices/kiosks'],
      ['POST', '/api/devices/kiosks'],
      ['POST', '/api/devices/kiosks/K-1/credential'],
      ['POST', '/api/devices/kiosks/K-1/disable'],
    ] as const) {
      expect((await api(method, path, undefined)).body).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
      expect(await api(method, path, supervisor)).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
      expect(await api(method, path, agent)).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    }
  });

  it('creates, lists and edits halls; refuses a duplicate id and bad fields', async () => {
    expect(await api('POST', '/api/devices/halls', admin, HALL)).toEqual({ status: 201, body: HALL });
    expect(await api('POST', '/api/devices/halls', admin, HALL)).toMatchObject({ status: 409, body: { error: { code: 'CONFLICT' } } });
    expect(await api('POST', '/api/devices/halls', admin, { ...HALL, id: 'has space' })).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
    expect(await api('PATCH', '/api/devices/halls/xuhui', admin, { address: '上海市徐汇区漕溪北路' })).toEqual({ status: 200, body: { ...HALL, address: '上海市徐汇区漕溪北路' } });
    expect(await api('PATCH', '/api/devices/halls/nowhere', admin, { address: 'x' })).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect(await api('PATCH', '/api/devices/halls/xuhui', admin, {})).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
    const list = await api<{ halls: { id: string }[] }>('GET', '/api/devices/halls', admin);
    expect(list.body.halls.map((h) => h.id)).toContain('xuhui');
  });

  it('registers a kiosk, shows its credential once, and puts its requests under its hall', async () => {
    const registered = await api<IssuedKioskCredential>('POST', '/api/devices/kiosks', admin, { id: 'XH-01', hallId: 'xuhui', location: '二楼 · 2F' });
    expect(registered).toMatchObject({ status: 201, body: { kiosk: { id: 'XH-01', hallId: 'xuhui', active: true }, credential: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) } });
    expect(await api('POST', '/api/devices/kiosks', admin, { id: 'XH-02', hallId: 'nowhere', location: '' })).toMatchObject({
      status: 404,
      body: { error: { code: 'NOT_FOUND' } },
    });
    const listed = await api<{ kiosks: Record<string, unknown>[] }>('GET', '/api/devices/kiosks', admin);
    expect(listed.body.kiosks.find((k) => k.id === 'XH-01')).not.toHaveProperty('credential');

    const device = await deviceToken(t.url, 'XH-01', registered.body.credential);
    const asked = await askFromKiosk('tp-kiosk', device);
    expect(asked).toMatchObject({ ok: true });
    if (!asked.ok) return;
    expect(await t.service.redis.hGet(`sess:${asked.result.sessionId}`, 'entry')).toBe(JSON.stringify({ kind: 'kiosk', kioskId: 'XH-01', hall: '徐汇区办税服务厅' }));
    // a device token is no sign-in: it opens no API
    expect(await api('GET', '/api/auth/me', device)).toMatchObject({ status: 401, body: { error: { code: 'TOKEN_INVALID' } } });
  });

  it('refuses a wrong credential, and throttles guessing like sign-ins', async () => {
    expect(await exchange('XH-01', 'wrong')).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED' } } });
    expect(await exchange('NO-SUCH', 'wrong')).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED' } } });
    await exchange('XH-01', 'wrong');
    await exchange('XH-01', 'wrong');
    expect(await exchange('XH-01', 'wrong')).toMatchObject({ status: 429, body: { error: { code: 'RATE_LIMITED' } } });
  });

  it('ends the old credential and its device tokens at a rotation, and a disabled kiosk entirely', async () => {
    const registered = await api<IssuedKioskCredential>('POST', '/api/devices/kiosks', admin, { id: 'XH-03', hallId: 'xuhui', location: '' });
    const old = registered.body.credential;
    const oldDevice = await deviceToken(t.url, 'XH-03', old);

    const rotated = await api<IssuedKioskCredential>('POST', '/api/devices/kiosks/XH-03/credential', admin);
    expect(rotated).toMatchObject({ status: 201, body: { kiosk: { id: 'XH-03', active: true } } });
    expect(rotated.body.credential).not.toBe(old);
    expect(await exchange('XH-03', old)).toMatchObject({ status: 401 });
    expect(await askFromKiosk('tp-old-device', oldDevice)).toMatchObject({ ok: false, error: { code: 'CLAIM_NOT_GRANTED', details: { claim: 'kiosk' } } });
    const device = await deviceToken(t.url, 'XH-03', rotated.body.credential);
    expect(await askFromKiosk('tp-new-device', device)).toMatchObject({ ok: true });

    expect(await api('POST', '/api/devices/kiosks/XH-03/disable', admin)).toMatchObject({ status: 200, body: { id: 'XH-03', active: false } });
    expect(await exchange('XH-03', rotated.body.credential)).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED' } } });
    const refused = await askFromKiosk('tp-disabled', device);
    expect(refused).toMatchObject({ ok: false, error: { code: 'CLAIM_NOT_GRANTED', message: expect.stringContaining('disabled'), details: { claim: 'kiosk' } } });
    expect(await api('POST', '/api/devices/kiosks/NO-SUCH/disable', admin)).toMatchObject({ status: 404 });
  });

  it('registers the demo portal kiosk on embedded defaults, exchangeable like any other', async () => {
    const demo = await api<{ kioskId: string; credential: string }>('GET', '/demo/api/kiosk', undefined);
    const asked = await askFromKiosk('tp-demo-kiosk', await deviceToken(t.url, demo.body.kioskId, demo.body.credential));
    expect(asked).toMatchObject({ ok: true, result: { state: 'queued' } satisfies Partial<SessionSummary> });
    if (asked.ok)
      expect(JSON.parse((await t.service.redis.hGet(`sess:${asked.result.sessionId}`, 'entry')) ?? '{}')).toEqual({ kind: 'kiosk', kioskId: 'K-01', hall: '浦东新区办税服务厅' });
  });
});
