import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_PASSWORDS, startTestService, type TestService } from '../harness/service.js';
import { connectSocket, request, type TestSocket } from '../harness/socket.js';

describe('session codes for the phone hotline (real service)', () => {
  let t: TestService;
  let taxpayer: TestSocket;
  let agent: TestSocket;
  beforeAll(async () => {
    t = await startTestService({ SESSION_CODE_MAX_ATTEMPTS_PER_MINUTE: '4' });
    taxpayer = await connectSocket(t.url, t.taxpayerToken({ sub: 'tp-phone' }));
    agent = await connectSocket(t.url, await t.staffToken('agent1', DEV_PASSWORDS.agent1));
  });
  afterAll(async () => {
    taxpayer?.close();
    agent?.close();
    await t?.stop();
  });

  it('lets the hotline agent take the waiting session the taxpayer reads the code of', async () => {
    // registration: not agent1's skill, so the request waits in the queue
    const asked = await request(taxpayer, 'help:request', { language: 'zh', topic: 'registration', channel: 'voice', entry: { kind: 'portal', page: '/' } });
    if (!asked.ok) throw new Error(asked.error.message);
    const coded = await request(taxpayer, 'session:code', { sessionId: asked.result.sessionId });
    if (!coded.ok) throw new Error(coded.error.message);
    expect(coded.result.code).toMatch(/^\d{6}$/);

    await request(agent, 'agent:status', { status: 'available' });
    const joined = await request(agent, 'session:join-by-code', { code: coded.result.code });
    expect(joined).toMatchObject({ ok: true, result: { sessionId: asked.result.sessionId, state: 'active' } });
    expect(await t.service.redis.hGet(`sess:${asked.result.sessionId}`, 'agent')).toBe('agent1');
    // a code works once
    expect(await request(agent, 'session:join-by-code', { code: coded.result.code })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await request(taxpayer, 'session:code', { sessionId: asked.result.sessionId })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
  });

  it('keeps one live code per session: a new one revokes the old, and the code dies when the request does', async () => {
    // a hotline agent of its own: agent1's attempts this minute are counted by the test below
    const hotline = await connectSocket(t.url, await t.staffToken('expert1', DEV_PASSWORDS.expert1));
    const caller = await connectSocket(t.url, t.taxpayerToken({ sub: 'tp-phone-2' }));
    const quitter = await connectSocket(t.url, t.taxpayerToken({ sub: 'tp-phone-3' }));
    const codeKeys = () => t.service.redis.keys('code:[0-9][0-9][0-9][0-9][0-9][0-9]'); // not the attempt counters
    const ask = async (socket: TestSocket) => {
      const asked = await request(socket, 'help:request', { language: 'en', topic: 'registration', channel: 'voice', entry: { kind: 'portal', page: '/' } });
      if (!asked.ok) throw new Error(asked.error.message);
      return asked.result.sessionId;
    };
    const issue = async (socket: TestSocket, sessionId: string) => {
      const coded = await request(socket, 'session:code', { sessionId });
      if (!coded.ok) throw new Error(coded.error.message);
      return coded.result.code;
    };
    try {
      const sessionId = await ask(caller);
      const codes: string[] = [];
      for (let i = 0; i < 50; i++) codes.push(await issue(caller, sessionId));
      const last = codes[49]!;
      expect(await codeKeys()).toEqual([`code:${last}`]);
      await request(hotline, 'agent:status', { status: 'available' });
      const earlier = codes.find((c) => c !== last)!;
      expect(await request(hotline, 'session:join-by-code', { code: earlier })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
      expect(await request(hotline, 'session:join-by-code', { code: last })).toMatchObject({ ok: true, result: { sessionId, state: 'active' } });
      expect(await codeKeys()).toEqual([]);

      // a request cancelled before any agent typed its code takes the code with it
      const cancelled = await ask(quitter);
      const code = await issue(quitter, cancelled);
      await request(quitter, 'help:cancel', { sessionId: cancelled });
      await expect.poll(codeKeys).toEqual([]);
      expect(await request(hotline, 'session:join-by-code', { code })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    } finally {
      hotline.close();
      caller.close();
      quitter.close();
    }
  });

  it('refuses unknown codes, taxpayers, and too many attempts', async () => {
    expect(await request(taxpayer, 'session:join-by-code', { code: '123456' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await request(agent, 'session:join-by-code', { code: '12345' })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push(await request(agent, 'session:join-by-code', { code: '000000' }));
    // two attempts in the test above: two more are allowed this minute, then the limit of 4 holds
    expect(codes.map((c) => (c.ok ? 'ok' : c.error.code))).toEqual(['NOT_FOUND', 'NOT_FOUND', 'RATE_LIMITED', 'RATE_LIMITED']);
  });
});
