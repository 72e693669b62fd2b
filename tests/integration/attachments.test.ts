import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage } from '@etax-assist/protocol';
import { DEV_PASSWORDS, startTestService, type TestService } from '../harness/service.js';
import { activeSession, type ActiveSession } from '../harness/session.js';

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000a49444154789c6300010000050001', 'hex');

describe('chat attachments (real service)', () => {
  let t: TestService;
  let s: ActiveSession;
  let taxpayerToken: string;
  beforeAll(async () => {
    t = await startTestService({ CHAT_MAX_ATTACHMENT_BYTES: '2048', CHAT_MAX_ATTACHMENTS_PER_SESSION: '2' });
    taxpayerToken = t.taxpayerToken({ sub: 'tp-files' });
    s = await activeSession(t, 'tp-files', { username: 'agent1', password: DEV_PASSWORDS.agent1 }, 'text');
  });
  afterAll(async () => {
    s?.taxpayer.socket.close();
    s?.agent.socket.close();
    await t?.stop();
  });

  const upload = (token: string, body: Buffer, type: string, name = '发票.png') =>
    fetch(`${t.url}/api/sessions/${s.sessionId}/attachments?name=${encodeURIComponent(name)}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': type },
      body: new Uint8Array(body),
    });

  it('takes an allowed file, announces it in the chat, and serves it to the participants only', async () => {
    const announced = s.agent.log.next<ChatMessage>('chat:message', (m) => m.attachment !== undefined);
    const response = await upload(taxpayerToken, PNG, 'image/png', '../../etc/发票.png');
    expect(response.status).toBe(200);
    const message = (await response.json()) as ChatMessage;
    expect(message.attachment).toMatchObject({ name: '发票.png', type: 'image/png', size: PNG.length });
    expect((await announced).attachment?.id).toBe(message.attachment?.id);

    const agentToken = await t.staffToken('agent1', DEV_PASSWORDS.agent1);
    const download = await fetch(`${t.url}/api/sessions/${s.sessionId}/attachments/${message.attachment!.id}`, { headers: { authorization: `Bearer ${agentToken}` } });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('image/png');
    expect(download.headers.get('content-security-policy')).toContain('sandbox');
    expect(Buffer.from(await download.arrayBuffer()).equals(PNG)).toBe(true);

    const stranger = t.taxpayerToken({ sub: 'tp-stranger' });
    const refused = await fetch(`${t.url}/api/sessions/${s.sessionId}/attachments/${message.attachment!.id}`, { headers: { authorization: `Bearer ${stranger}` } });
    expect(refused.status).toBe(404);
    expect((await fetch(`${t.url}/api/sessions/${s.sessionId}/attachments/${message.attachment!.id}`)).status).toBe(401);
  });

  it('refuses other types, files over the size limit, empty files and too many files', async () => {
    const html = await upload(taxpayerToken, Buffer.from('<script>alert(1)</script>'), 'text/html', 'x.html');
    expect(html.status).toBe(415);
    const big = await upload(taxpayerToken, Buffer.alloc(4096, 1), 'image/png');
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { code: string } }).error.code).toBe('PAYLOAD_TOO_LARGE');
    expect((await upload(taxpayerToken, PNG, 'image/png')).status).toBe(200);
    const third = await upload(taxpayerToken, PNG, 'image/png');
    expect(third.status).toBe(429);
  });
});
