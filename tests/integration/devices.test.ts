import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceEventList, HelpRequest, IssuedKioskCredential, RecordSearchPage, SessionSummary } from '@etax-assist/protocol';
import { ADMIN_PASSWORD, deviceToken } from '../harness/kiosk-device.js';
import { outboxDrained, query } from '../harness/records.js';
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

  it('keeps the admin API to administrators: 401 without a token, 403 for staff (who read the halls only)', async () => {
    const supervisor = await t.staffToken('super1', DEV_PASSWORDS.super1);
    const agent = await t.staffToken('agent1', DEV_PASSWORDS.agent1);
    for (const [method, path] of [
      ['POST', '/api/devices/halls'],
      ['PATCH', '/api/devices/halls/xuhui'],
      ['GET', '/api/devices/kiosks'],
      ['POST', '/api/devices/kiosks'],
      ['PATCH', '/api/devices/kiosks/K-1'],
      ['GET', '/api/devices/events'],
      ['POST', '/api/devices/kiosks/K-1/credential'],
      ['POST', '/api/devices/kiosks/K-1/disable'],
    ] as const) {
      expect((await api(method, path, undefined)).body).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
      expect(await api(method, path, supervisor)).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
      expect(await api(method, path, agent)).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    }
    // the halls name what entries and figures carry by id: every staff role reads them, no taxpayer
    expect((await api('GET', '/api/devices/halls', undefined)).status).toBe(401);
    for (const token of [supervisor, agent]) expect((await api('GET', '/api/devices/halls', token)).status).toBe(200);
    expect((await api('GET', '/api/devices/halls', t.taxpayerToken({ sub: 'tp-halls' }))).status).toBe(403);
  });

  it('creates, lists and edits halls; refuses a duplicate id and bad fields', async () => {
    expect(await api('POST', '/api/devices/halls', admin, HALL)).toEqual({ status: 201, body: { ...HALL, active: true } });
    expect(await api('POST', '/api/devices/halls', admin, HALL)).toMatchObject({ status: 409, body: { error: { code: 'CONFLICT' } } });
    expect(await api('POST', '/api/devices/halls', admin, { ...HALL, id: 'has space' })).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
    expect(await api('PATCH', '/api/devices/halls/xuhui', admin, { address: '上海市徐汇区漕溪北路' })).toEqual({
      status: 200,
      body: { ...HALL, active: true, address: '上海市徐汇区漕溪北路' },
    });
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
    expect(await t.service.redis.hGet(`sess:${asked.result.sessionId}`, 'entry')).toBe(JSON.stringify({ kind: 'kiosk', kioskId: 'XH-01', hallId: 'xuhui' }));
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

  it('moves a kiosk to another hall and place: its next request names the new hall, its credential stays', async () => {
    await api('POST', '/api/devices/halls', admin, { ...HALL, id: 'minhang', nameZh: '闵行区办税服务厅', nameEn: 'Minhang tax service hall' });
    const registered = await api<IssuedKioskCredential>('POST', '/api/devices/kiosks', admin, { id: 'MV-01', hallId: 'xuhui', location: '一楼' });
    const device = await deviceToken(t.url, 'MV-01', registered.body.credential);

    expect(await api('PATCH', '/api/devices/kiosks/MV-01', admin, { hallId: 'minhang', location: '二楼西侧' })).toMatchObject({
      status: 200,
      body: { id: 'MV-01', hallId: 'minhang', location: '二楼西侧', active: true, rotatedAt: registered.body.kiosk.rotatedAt },
    });
    // the device token issued before the move still vouches for the kiosk, now in its new hall
    const asked = await askFromKiosk('tp-moved', device);
    if (!asked.ok) throw new Error(asked.error.message);
    expect(JSON.parse((await t.service.redis.hGet(`sess:${asked.result.sessionId}`, 'entry')) ?? '{}')).toEqual({ kind: 'kiosk', kioskId: 'MV-01', hallId: 'minhang' });
    expect(await api('PATCH', '/api/devices/kiosks/MV-01', admin, { location: '三楼' })).toMatchObject({ status: 200, body: { hallId: 'minhang', location: '三楼' } });

    expect(await api('PATCH', '/api/devices/kiosks/MV-01', admin, { hallId: 'nowhere' })).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect(await api('PATCH', '/api/devices/kiosks/NO-SUCH', admin, { location: 'x' })).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect(await api('PATCH', '/api/devices/kiosks/MV-01', admin, {})).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
    expect(await api('PATCH', '/api/devices/kiosks/MV-01', admin, { id: 'MV-02' })).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
  });

  it('takes a hall out of service only once no active kiosk stands in it, and then places no kiosk in it', async () => {
    await api('POST', '/api/devices/halls', admin, { ...HALL, id: 'jingan', nameZh: '静安区办税服务厅', nameEn: 'Jing’an tax service hall' });
    await api('POST', '/api/devices/kiosks', admin, { id: 'JA-01', hallId: 'jingan', location: '' });
    await api('POST', '/api/devices/kiosks', admin, { id: 'JA-02', hallId: 'jingan', location: '' });
    expect(await api('PATCH', '/api/devices/halls/jingan', admin, { active: false, nameEn: 'Jing’an hall' })).toMatchObject({
      status: 409,
      body: { error: { code: 'HALL_IN_USE', message: expect.stringContaining('JA-01, JA-02'), details: { activeKiosks: ['JA-01', 'JA-02'] } } },
    });
    // refused as a whole: the name given with it did not change either
    expect((await api<{ halls: { id: string; nameEn: string; active: boolean }[] }>('GET', '/api/devices/halls', admin)).body.halls.find((h) => h.id === 'jingan')).toMatchObject({
      nameEn: 'Jing’an tax service hall',
      active: true,
    });

    await api('POST', '/api/devices/kiosks/JA-01/disable', admin);
    await api('PATCH', '/api/devices/kiosks/JA-02', admin, { hallId: 'xuhui' });
    expect(await api('PATCH', '/api/devices/halls/jingan', admin, { active: false })).toMatchObject({ status: 200, body: { id: 'jingan', active: false } });
    expect(await api('POST', '/api/devices/kiosks', admin, { id: 'JA-03', hallId: 'jingan', location: '' })).toMatchObject({ status: 409, body: { error: { code: 'CONFLICT' } } });
    expect(await api('PATCH', '/api/devices/kiosks/JA-02', admin, { hallId: 'jingan' })).toMatchObject({ status: 409, body: { error: { code: 'CONFLICT' } } });
    expect(await api('PATCH', '/api/devices/halls/jingan', admin, { active: true })).toMatchObject({ status: 200, body: { active: true } });
  });

  it('records every change to halls and kiosks in an append-only audit trail (never a credential)', async () => {
    await api('POST', '/api/devices/halls', admin, { ...HALL, id: 'audit-hall', nameZh: '审计厅', nameEn: 'Audit hall' });
    const registered = await api<IssuedKioskCredential>('POST', '/api/devices/kiosks', admin, { id: 'AU-01', hallId: 'audit-hall', location: '门口' });
    await api('PATCH', '/api/devices/halls/audit-hall', admin, { nameEn: 'Audit hall (renamed)', address: HALL.address });
    await api('PATCH', '/api/devices/kiosks/AU-01', admin, { location: '窗口 3' });
    const rotated = await api<IssuedKioskCredential>('POST', '/api/devices/kiosks/AU-01/credential', admin);
    await api('POST', '/api/devices/kiosks/AU-01/disable', admin);
    await api('POST', '/api/devices/kiosks/AU-01/disable', admin);

    const kiosk = await api<DeviceEventList>('GET', '/api/devices/events?device=AU-01', admin);
    expect(kiosk.body.events.map((e) => [e.kind, e.by, e.changes])).toEqual([
      ['kiosk-disabled', 'admin1', { active: { before: true, after: false } }],
      ['kiosk-rotated', 'admin1', {}],
      ['kiosk-updated', 'admin1', { location: { before: '门口', after: '窗口 3' } }],
      ['kiosk-registered', 'admin1', { hallId: { before: null, after: 'audit-hall' }, location: { before: null, after: '门口' } }],
    ]);
    const hall = await api<DeviceEventList>('GET', '/api/devices/events?device=audit-hall', admin);
    // only what changed: the address given again is no change
    expect(hall.body.events.map((e) => [e.kind, e.changes])).toEqual([
      ['hall-updated', { nameEn: { before: 'Audit hall', after: 'Audit hall (renamed)' } }],
      ['hall-created', expect.objectContaining({ nameZh: { before: null, after: '审计厅' }, active: { before: null, after: true } })],
    ]);
    const all = JSON.stringify((await api<DeviceEventList>('GET', '/api/devices/events', admin)).body);
    for (const credential of [registered.body.credential, rotated.body.credential]) expect(all).not.toContain(credential);
    expect(await api('GET', '/api/devices/events?limit=201', admin)).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED', details: { maxLimit: 200 } } } });
    await expect(query(t.postgres.url, "UPDATE device_events SET by = 'someone' WHERE device = 'AU-01'")).rejects.toThrow();
    await expect(query(t.postgres.url, "DELETE FROM device_events WHERE device = 'AU-01'")).rejects.toThrow();
  });

  it("keeps a kiosk session's hall by id in the record: a renamed hall finds its sessions, and older rows by the name they kept", async () => {
    await api('POST', '/api/devices/halls', admin, { ...HALL, id: 'songjiang', nameZh: '松江区办税服务厅', nameEn: 'Songjiang tax service hall' });
    const registered = await api<IssuedKioskCredential>('POST', '/api/devices/kiosks', admin, { id: 'SJ-01', hallId: 'songjiang', location: '' });
    const asked = await askFromKiosk('tp-songjiang', await deviceToken(t.url, 'SJ-01', registered.body.credential));
    if (!asked.ok) throw new Error(asked.error.message);
    await outboxDrained(t.redis.url);
    expect(await query(t.postgres.url, 'SELECT hall_id, hall, kiosk_id FROM sessions WHERE id = $1', [asked.result.sessionId])).toEqual([
      { hall_id: 'songjiang', hall: null, kiosk_id: 'SJ-01' },
    ]);
    // a row archived before sessions carried the hall's id: the zh name the hall had (and has)
    await query(
      t.postgres.url,
      `INSERT INTO sessions (id, state, created_at, cancelled_at, taxpayer_sub, entry_kind, kiosk_id, hall, topic, language, channel, priority)
       VALUES ('legacy-songjiang', 'cancelled', now() - interval '1 hour', now() - interval '1 hour', 'tp-old', 'kiosk', 'SJ-01', '松江区办税服务厅', 'invoice', 'zh', 'text', 'normal')`,
    );
    await api('PATCH', '/api/devices/halls/songjiang', admin, { nameEn: 'Songjiang hall' });

    const supervisor = await t.staffToken('super1', DEV_PASSWORDS.super1);
    const range = new URLSearchParams({ from: new Date(Date.now() - 86_400_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString(), hall: 'songjiang' });
    const found = await api<RecordSearchPage>('GET', `/api/records/sessions?${range}`, supervisor);
    expect(found.body.sessions.map((s) => [s.sessionId, s.entry])).toEqual([
      [asked.result.sessionId, { kind: 'kiosk', kioskId: 'SJ-01', hallId: 'songjiang' }],
      ['legacy-songjiang', { kind: 'kiosk', kioskId: 'SJ-01', hall: '松江区办税服务厅' }],
    ]);
  });

  it('registers the demo portal kiosk on embedded defaults, exchangeable like any other', async () => {
    const demo = await api<{ kioskId: string; credential: string }>('GET', '/demo/api/kiosk', undefined);
    const asked = await askFromKiosk('tp-demo-kiosk', await deviceToken(t.url, demo.body.kioskId, demo.body.credential));
    expect(asked).toMatchObject({ ok: true, result: { state: 'queued' } satisfies Partial<SessionSummary> });
    if (asked.ok) expect(JSON.parse((await t.service.redis.hGet(`sess:${asked.result.sessionId}`, 'entry')) ?? '{}')).toEqual({ kind: 'kiosk', kioskId: 'K-01', hallId: 'pudong' });
  });
});
