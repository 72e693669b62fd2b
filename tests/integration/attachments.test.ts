import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage } from '@etax-assist/protocol';
import { DEV_PASSWORDS, startTestService, type TestService } from '../harness/service.js';
import { activeSession, type ActiveSession } from '../harness/session.js';
import { connectSocket, request } from '../harness/socket.js';

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000a49444154789c6300010000050001', 'hex');
const JPEG = Buffer.from('ffd8ffe000104a46494600010100000100010000ffd9', 'hex');
/** What the SDK's takePageSnapshot uploads: a Meta event and a full snapshot of the masked page. */
const PAGE_SNAPSHOT = Buffer.from(
  JSON.stringify([
    { type: 4, data: { href: 'https://etax.example/refund', width: 1280, height: 800 }, timestamp: 1 },
    { type: 2, data: { node: { type: 0, childNodes: [], id: 1 }, initialOffset: { left: 0, top: 0 } }, timestamp: 1 },
  ]),
);

const uploadTo = (t: TestService, sessionId: string, token: string, body: Buffer, type: string, name = '发票.png') =>
  fetch(`${t.url}/api/sessions/${sessionId}/attachments?name=${encodeURIComponent(name)}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': type },
    body: new Uint8Array(body),
  });
const errorOf = async (response: Response) => ({ status: response.status, ...((await response.json()) as { error: { code: string; message: string } }).error });

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

  const upload = (token: string, body: Buffer, type: string, name = '发票.png') => uploadTo(t, s.sessionId, token, body, type, name);

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

  it('checks the bytes against the declared type', async () => {
    const other = await activeSession(t, 'tp-types', { username: 'agent1', password: DEV_PASSWORDS.agent1 }, 'text');
    const token = t.taxpayerToken({ sub: 'tp-types' });
    try {
      const send = (body: Buffer, type: string) => uploadTo(t, other.sessionId, token, body, type, 'x');
      // HTML labelled as an image, a JPEG labelled as a PDF, JSON that is not a page snapshot
      for (const [body, type] of [
        [Buffer.from('<html><script>alert(1)</script></html>'), 'image/png'],
        [JPEG, 'application/pdf'],
        [Buffer.from('{"type":2}'), 'application/vnd.etax.page-snapshot+json'],
        [Buffer.from('<svg onload="alert(1)"/>'), 'application/vnd.etax.page-snapshot+json'],
      ] as const) {
        expect(await errorOf(await send(body, type))).toMatchObject({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: `The file's content is not ${type}` });
      }
      expect(await t.service.redis.keys(`att:${other.sessionId}:*`)).toEqual([]);
      // the real thing of either type is taken (two files: the session's limit)
      expect((await send(JPEG, 'image/jpeg')).status).toBe(200);
      expect((await send(PAGE_SNAPSHOT, 'application/vnd.etax.page-snapshot+json')).status).toBe(200);
    } finally {
      other.taxpayer.socket.close();
      other.agent.socket.close();
    }
  });

  it('takes no file for a request no agent has joined yet', async () => {
    // registration: not agent1's skill, so the request waits in the queue
    const socket = await connectSocket(t.url, t.taxpayerToken({ sub: 'tp-queued' }));
    try {
      const asked = await request(socket, 'help:request', { language: 'zh', topic: 'registration', channel: 'text', entry: { kind: 'portal', page: '/' } });
      if (!asked.ok) throw new Error(asked.error.message);
      const refused = await uploadTo(t, asked.result.sessionId, t.taxpayerToken({ sub: 'tp-queued' }), PNG, 'image/png');
      expect(await errorOf(refused)).toMatchObject({ status: 409, code: 'CONFLICT' });
      expect(await t.service.redis.keys(`att:${asked.result.sessionId}:*`)).toEqual([]);
    } finally {
      socket.close();
    }
  });
});

describe("the daily allowance of a taxpayer's files (real service)", () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({ CHAT_MAX_ATTACHMENTS_PER_DAY: '3', CHAT_MAX_ATTACHMENT_BYTES_PER_DAY: '1024' });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('counts files and bytes per taxpayer across sessions, gives back what a refused file reserved, and leaves staff alone', async () => {
    const token = t.taxpayerToken({ sub: 'tp-daily' });
    const bigPng = Buffer.concat([PNG, Buffer.alloc(600 - PNG.length)]);
    const first = await activeSession(t, 'tp-daily', { username: 'agent1', password: DEV_PASSWORDS.agent1 }, 'text');
    expect((await uploadTo(t, first.sessionId, token, bigPng, 'image/png')).status).toBe(200);
    expect(await errorOf(await uploadTo(t, first.sessionId, token, bigPng, 'image/png'))).toMatchObject({
      status: 429,
      code: 'RATE_LIMITED',
      message: 'At most 1 KB of files a day',
    });
    // the refused 600 bytes were given back: a small file still fits
    expect((await uploadTo(t, first.sessionId, token, PNG, 'image/png')).status).toBe(200);
    await request(first.taxpayer.socket, 'session:end', { sessionId: first.sessionId });
    first.taxpayer.socket.close();
    first.agent.socket.close();

    // the next session the same day: the allowance is the taxpayer's, not the session's
    const second = await activeSession(t, 'tp-daily', { username: 'agent2', password: 'agent2-pass' }, 'text');
    try {
      expect((await uploadTo(t, second.sessionId, token, PNG, 'image/png')).status).toBe(200);
      expect(await errorOf(await uploadTo(t, second.sessionId, token, PNG, 'image/png'))).toMatchObject({ status: 429, code: 'RATE_LIMITED', message: 'At most 3 files a day' });
      // the agent's files are not the taxpayer's
      const agentToken = await t.staffToken('agent2', 'agent2-pass');
      expect((await uploadTo(t, second.sessionId, agentToken, PNG, 'image/png')).status).toBe(200);
    } finally {
      second.taxpayer.socket.close();
      second.agent.socket.close();
    }
  });
});
