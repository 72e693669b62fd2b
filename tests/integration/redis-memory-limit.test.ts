import type { Logger } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RECORDING_GAP, warnIfEvicting } from '@etax-assist/server';
import { startTestPostgres } from '../harness/postgres.js';
import { fillToMaxmemory, startTestRedis } from '../harness/redis.js';
import { DEV_PASSWORDS, startTestService, type TestService } from '../harness/service.js';
import { activeSession, type ActiveSession } from '../harness/session.js';
import { connectSocket, request, requestOk, type TestSocket } from '../harness/socket.js';

const RETRY_MAX_BYTES = 4096;
const AT_LIMIT = { code: 'UNAVAILABLE', message: 'The service is at its memory limit; try again shortly' };
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000a49444154789c6300010000050001', 'hex');
const meta = (t: number) => ({ type: 4, data: { href: 'https://portal/x', width: 800, height: 600 }, timestamp: t });
const full = (t: number) => ({
  type: 2,
  data: { node: { type: 0, childNodes: [{ type: 3, textContent: 'hello', id: 2 }], id: 1 }, initialOffset: { left: 0, top: 0 } },
  timestamp: t,
});

/**
 * Redis at its maxmemory (noeviction, as the embedded one runs): what writes is refused with
 * UNAVAILABLE — a help request, a chat message, a co-browsing batch, an attachment upload — never
 * INTERNAL; what was accepted before is still there, and once memory is freed the same requests
 * succeed.
 */
describe('Redis at its memory limit', () => {
  let t: TestService;
  let s: ActiveSession;
  const sockets: TestSocket[] = [];
  beforeAll(async () => {
    const [redis, postgres] = await Promise.all([startTestRedis('everysec', 24 * 1024 * 1024), startTestPostgres()]);
    t = await startTestService({ COBROWSE_RECORDING_FLUSH_MS: '100', COBROWSE_RECORDING_RETRY_MAX_BYTES: String(RETRY_MAX_BYTES) }, { redis, postgres });
    s = await activeSession(t, 'tp-full', { username: 'agent1', password: DEV_PASSWORDS.agent1 }, 'text');
    sockets.push(s.taxpayer.socket, s.agent.socket);
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await t?.stop();
    await Promise.all([t?.redis.stop(), t?.postgres.stop()]);
  });

  const upload = () =>
    fetch(`${t.url}/api/sessions/${s.sessionId}/attachments?name=a.png`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.taxpayerToken({ sub: 'tp-full' })}`, 'content-type': 'image/png' },
      body: new Uint8Array(PNG),
    });
  const metric = async (name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(await t.metricsText())?.[1]);
  const oomRefusals = () => metric('etax_redis_oom_refusals_total');

  it('refuses writes with UNAVAILABLE while full, keeps what it accepted, and takes them again once memory is freed', async () => {
    const { redis } = t.service;
    await requestOk(s.taxpayer.socket, 'chat:send', { sessionId: s.sessionId, text: 'before the limit' });
    await requestOk(s.taxpayer.socket, 'cobrowse:share', { sessionId: s.sessionId, sharing: true });
    await requestOk(s.taxpayer.socket, 'cobrowse:events', { sessionId: s.sessionId, seq: 0, events: [meta(1), full(2)] });
    await expect.poll(() => redis.xLen(`cb:${s.sessionId}:rec`), { timeout: 5000 }).toBeGreaterThan(0);
    const newcomer = await connectSocket(t.url, t.taxpayerToken({ sub: 'tp-newcomer' }));
    sockets.push(newcomer);
    const refusalsBefore = await oomRefusals();

    const free = await fillToMaxmemory(redis);
    // the fault happened: Redis is past its limit and refuses a plain write
    const info = await redis.info('memory');
    expect(Number(/^used_memory:(\d+)/m.exec(info)?.[1])).toBeGreaterThan(Number(/^maxmemory:(\d+)/m.exec(info)?.[1]));
    expect(/maxmemory_policy:(\S+)/.exec(info)?.[1]).toBe('noeviction');
    await expect(redis.set('test:probe', '1')).rejects.toThrow(/^OOM command not allowed/);

    const asked = await request(newcomer, 'help:request', { language: 'zh', topic: 'refund', channel: 'text', entry: { kind: 'portal', page: '/' } });
    expect(asked).toEqual({ ok: false, error: AT_LIMIT });
    expect(await request(s.taxpayer.socket, 'chat:send', { sessionId: s.sessionId, text: 'at the limit' })).toEqual({ ok: false, error: AT_LIMIT });
    expect(await request(s.taxpayer.socket, 'cobrowse:events', { sessionId: s.sessionId, seq: 1, events: [meta(3)] })).toEqual({ ok: false, error: AT_LIMIT });
    const refusedUpload = await upload();
    expect(refusedUpload.status).toBe(503);
    expect(((await refusedUpload.json()) as { error: unknown }).error).toEqual(AT_LIMIT);
    expect(await oomRefusals()).toBeGreaterThanOrEqual(refusalsBefore + 4);

    // the agent's pointer goes on (it writes nothing but the recording), which Redis refuses: the
    // recording's retry buffer holds what it can, within its bound, and drops the newest
    for (let i = 0; i < 100; i++) await requestOk(s.agent.socket, 'cobrowse:annotate', { sessionId: s.sessionId, annotation: { kind: 'pointer', x: i, y: i } });
    await expect.poll(() => metric('etax_recording_dropped_entries_total'), { timeout: 5000 }).toBeGreaterThan(0);
    const held = await metric('etax_recording_retry_bytes');
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThanOrEqual(RETRY_MAX_BYTES + 64);

    // nothing accepted before is lost
    expect(await redis.hGet(`sess:${s.sessionId}`, 'state')).toBe('active');
    const history = await requestOk(s.agent.socket, 'chat:history', { sessionId: s.sessionId });
    expect(history.messages.map((m) => m.text)).toEqual(['before the limit']);

    await free();
    // the recording drains by itself: the kept pointer moves, then the gap standing for the dropped ones
    await expect.poll(() => metric('etax_recording_retry_bytes'), { timeout: 5000 }).toBe(0);
    const recording = await requestOk(s.agent.socket, 'cobrowse:recording', { sessionId: s.sessionId, limit: 1000 });
    const kinds = recording.entries.map((e) => e.kind).filter((kind) => kind === 'annotation' || kind === RECORDING_GAP);
    expect(kinds.at(-1)).toBe(RECORDING_GAP);
    const gap = recording.entries.find((e) => e.kind === RECORDING_GAP)?.payload as { entries: number };
    expect(kinds.filter((kind) => kind === 'annotation').length).toBe(100 - gap.entries);
    const again = await requestOk(newcomer, 'help:request', { language: 'zh', topic: 'refund', channel: 'text', entry: { kind: 'portal', page: '/' } });
    expect(['queued', 'offered']).toContain(again.state);
    await requestOk(s.taxpayer.socket, 'chat:send', { sessionId: s.sessionId, text: 'after the limit' });
    expect((await requestOk(s.taxpayer.socket, 'cobrowse:events', { sessionId: s.sessionId, seq: 1, events: [meta(3)] })).accepted).toBe(1);
    expect((await upload()).status).toBe(200);
    const after = await requestOk(s.agent.socket, 'chat:history', { sessionId: s.sessionId });
    // the refused message and upload left nothing behind; the attachment's message carries its name
    expect(after.messages.map((m) => m.text)).toEqual(['before the limit', 'after the limit', 'a.png']);
  });

  it('warns at start-up when an external Redis would evict keys at its maxmemory', async () => {
    const { redis } = t.service;
    const log = { warn: vi.fn(), info: vi.fn() };
    await warnIfEvicting(redis, log as unknown as Logger);
    expect(log.warn).not.toHaveBeenCalled();
    await redis.configSet('maxmemory-policy', 'allkeys-lru');
    try {
      await warnIfEvicting(redis, log as unknown as Logger);
    } finally {
      await redis.configSet('maxmemory-policy', 'noeviction');
    }
    expect(log.warn).toHaveBeenCalledWith({ policy: 'allkeys-lru' }, expect.stringMatching(/set maxmemory-policy noeviction/));
  });
});
