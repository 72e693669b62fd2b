import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage } from '@etax-assist/protocol';
import { DEV_PASSWORDS, startTestService, type TestService } from '../harness/service.js';
import { activeSession, type ActiveSession } from '../harness/session.js';
import { connectSocket, request } from '../harness/socket.js';

describe('session chat (real service)', () => {
  let t: TestService;
  let s: ActiveSession;
  beforeAll(async () => {
    t = await startTestService({ CHAT_MAX_MESSAGE_CHARS: '100', CHAT_MAX_PER_MINUTE: '5' });
    s = await activeSession(t, 'tp-chat', { username: 'agent1', password: DEV_PASSWORDS.agent1 }, 'text');
  });
  afterAll(async () => {
    s?.taxpayer.socket.close();
    s?.agent.socket.close();
    await t?.stop();
  });

  it('delivers messages both ways and keeps them as history', async () => {
    const sessionId = s.sessionId;
    const arrived = s.agent.log.next<ChatMessage>('chat:message', (m) => m.text === '您好，请问怎么开发票？');
    const sent = await request(s.taxpayer.socket, 'chat:send', { sessionId, text: '  您好，请问怎么开发票？ ', clientId: 'c1' });
    expect(sent).toMatchObject({ ok: true, result: { text: '您好，请问怎么开发票？', clientId: 'c1', from: { role: 'taxpayer', name: '张伟' } } });
    expect((await arrived).from.id).toBe('tp-chat');
    await request(s.agent.socket, 'chat:send', { sessionId, text: '请点击“发票申领”。' });
    const history = await request(s.taxpayer.socket, 'chat:history', { sessionId });
    if (!history.ok) throw new Error(history.error.message);
    expect(history.result.messages.map((m) => m.text)).toEqual(['您好，请问怎么开发票？', '请点击“发票申领”。']);
  });

  it('refuses strangers, silent monitors, empty, too long and too many messages', async () => {
    const sessionId = s.sessionId;
    const stranger = await connectSocket(t.url, t.taxpayerToken({ sub: 'tp-x' }));
    expect(await request(stranger, 'chat:send', { sessionId, text: 'hi' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    stranger.close();
    const supervisor = await connectSocket(t.url, await t.staffToken('super1', DEV_PASSWORDS.super1));
    await request(supervisor, 'supervisor:observe', { sessionId, mode: 'monitor' });
    expect(await request(supervisor, 'chat:send', { sessionId, text: 'hi' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await request(supervisor, 'chat:history', { sessionId })).toMatchObject({ ok: true });
    supervisor.close();
    expect(await request(s.taxpayer.socket, 'chat:send', { sessionId, text: '   ' })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(await request(s.taxpayer.socket, 'chat:send', { sessionId, text: 'x'.repeat(101) })).toMatchObject({ ok: false, error: { code: 'PAYLOAD_TOO_LARGE' } });
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await request(s.taxpayer.socket, 'chat:send', { sessionId, text: `m${i}` }));
    // one message earlier + four here reach the limit of 5 a minute; refused ones do not count
    expect(results.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual(['ok', 'ok', 'ok', 'ok', 'RATE_LIMITED']);
  });
});
