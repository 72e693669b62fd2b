import type { Logger } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { warnIfEvicting } from '@etax-assist/server';
import { startTestPostgres } from '../harness/postgres.js';
import { startTestRedis } from '../harness/redis.js';
import { DEV_PASSWORDS, startTestService, type TestService } from '../harness/service.js';
import { activeSession, type ActiveSession } from '../harness/session.js';
import { connectSocket, request, requestOk, type TestSocket } from '../harness/socket.js';

const MAXMEMORY = 24 * 1024 * 1024;
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
    const [redis, postgres] = await Promise.all([startTestRedis('everysec', MAXMEMORY), startTestPostgres()]);
    t = await startTestService({ COBROWSE_RECORDING_FLUSH_MS: '100' }, { redis, postgres });
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
  const oomRefusals = async () => Number(/^etax_redis_oom_refusals_total (\d+)/m.exec(await t.metricsText())?.[1]);

  it('refuses writes with UNAVAILABLE while full, keeps what it accepted, and takes them again once memory is freed', async () => {
    const { redis } = t.service;
    await requestOk(s.taxpayer.socket, 'chat:send', { sessionId: s.sessionId, text: 'before the limit' });
    await requestOk(s.taxpayer.socket, 'cobrowse:share', { sessionId: s.sessionId, sharing: true });
    await requestOk(s.taxpayer.socket, 'cobrowse:events', { sessionId: s.sessionId, seq: 0, events: [meta(1), full(2)] });
    await expect.poll(() => redis.xLen(`cb:${s.sessionId}:rec`), { timeout: 5000 }).toBeGreaterThan(0);
    const newcomer = await connectSocket(t.url, t.taxpayerToken({ sub: 'tp-newcomer' }));
    sockets.push(newcomer);
    const refusalsBefore = await oomRefusals();

    // fill Redis up to its maxmemory with keys of the test's own, in ever smaller values (a large
    // one's own query buffer counts against the limit while it is refused)
    const filler: string[] = [];
    for (const size of [256 * 1024, 16 * 1024, 1024, 64]) {
      for (;;) {
        const key = `test:fill:${filler.length}`;
        const refused = await redis.set(key, 'x'.repeat(size)).then(
          () => false,
          (error: Error) => /^OOM /.test(error.message),
        );
        if (refused) break;
        filler.push(key);
      }
    }
    // the fault happened: Redis is at its limit (the append-only file's buffer, not counted, comes
    // and goes) and refuses a plain write
    const info = await redis.info('memory');
    expect(Number(/^maxmemory:(\d+)/m.exec(info)?.[1])).toBe(MAXMEMORY);
    expect(Number(/^used_memory:(\d+)/m.exec(info)?.[1])).toBeGreaterThan(0.95 * MAXMEMORY);
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

    // nothing accepted before is lost
    expect(await redis.hGet(`sess:${s.sessionId}`, 'state')).toBe('active');
    const history = await requestOk(s.agent.socket, 'chat:history', { sessionId: s.sessionId });
    expect(history.messages.map((m) => m.text)).toEqual(['before the limit']);

    await redis.del(filler);
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
