import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import type { ChatMessage, Erasure, LegalHold } from '@etax-assist/protocol';
import { identifierSha256 } from '@etax-assist/server';
import { PAST_SESSION_ROWS, insertPastSession, rowsOf } from '../harness/past-records.js';
import { outboxDrained, query } from '../harness/records.js';
import { DEV_PASSWORDS, startTestService, type TestService } from '../harness/service.js';
import { activeSession } from '../harness/session.js';
import { connectSocket, requestOk } from '../harness/socket.js';

const NONE = { sessions: 0, session_events: 0, chat_messages: 0, attachments: 0, recordings: 0 };
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000a49444154789c6300010000050001', 'hex');

/** Issue 17, item 5: legal holds and the erasure of one taxpayer's records, through the records admin API. */
describe('legal holds and erasure on request (real service, Redis and PostgreSQL)', () => {
  let t: TestService;
  let redis: ReturnType<typeof createClient>;
  let admin: string;

  const call = async (method: string, path: string, body?: unknown, token = admin) => {
    const response = await fetch(`${t.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> & { error?: { code: string; details?: unknown } } };
  };
  /** Every Redis key left of the session but its rate limits (counters that go within two minutes). */
  const redisKeysOf = async (sessionId: string) => {
    const keys: string[] = [];
    for await (const batch of redis.scanIterator({ MATCH: `*${sessionId}*`, COUNT: 1000 }))
      for (const key of batch) if ((await redis.ttl(key)) > 120 || (await redis.ttl(key)) === -1) keys.push(key);
    return keys;
  };

  /** A served session of the taxpayer that is over: chat, a file, ended and wrapped up, archived. */
  async function endedSession(sub: string, taxpayerId: string): Promise<string> {
    const s = await activeSession(t, sub, { username: 'agent1', password: DEV_PASSWORDS.agent1 }, 'text');
    const { sessionId } = s;
    await requestOk(s.taxpayer.socket, 'chat:send', { sessionId, text: '我的发票' });
    const uploaded = await fetch(`${t.url}/api/sessions/${sessionId}/attachments?name=invoice.png`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.taxpayerToken({ sub, taxpayerId })}`, 'content-type': 'image/png' },
      body: new Uint8Array(PNG),
    });
    expect(((await uploaded.json()) as ChatMessage).attachment?.id).toBeTruthy();
    await requestOk(s.agent.socket, 'session:end', { sessionId });
    await requestOk(s.agent.socket, 'session:wrap-up', { sessionId, notes: '已开票', outcome: 'resolved' });
    await requestOk(s.agent.socket, 'agent:status', { status: 'away' });
    s.agent.socket.close();
    s.taxpayer.socket.close();
    await outboxDrained(t.redis.url);
    // and moved (its file and recording in PostgreSQL): what an erasure finds no longer depends on when it comes
    await expect.poll(async () => (await rowsOf(t.postgres.url, sessionId)).attachments, { timeout: 10_000 }).toBe(1);
    return sessionId;
  }

  beforeAll(async () => {
    t = await startTestService({ ARCHIVE_BLOCK_MS: '100' });
    redis = createClient({ url: t.redis.url });
    await redis.connect();
    admin = await t.staffToken('admin1', 'admin1-pass');
  });
  afterAll(async () => {
    await redis?.close();
    await t?.stop();
  });

  it('only administrators reach the records admin API; an administrator has no realtime connection', async () => {
    const supervisor = await t.staffToken('super1', DEV_PASSWORDS.super1);
    for (const [method, path] of [
      ['GET', '/api/records/holds'],
      ['GET', '/api/records/erasures'],
    ] as const) {
      expect((await call(method, path, undefined, supervisor)).body.error?.code).toBe('FORBIDDEN');
      expect((await fetch(`${t.url}${path}`)).status).toBe(401);
    }
    const refused = await call('POST', '/api/records/erasures', { taxpayer: { kind: 'sub', value: 'tp-x' }, reason: 'asked' }, t.taxpayerToken({ sub: 'tp-x' }));
    expect(refused.status).toBe(403);
    await expect(connectSocket(t.url, admin)).rejects.toThrow(/administrator has no realtime connection/);
  });

  it('places, lists and releases a legal hold, with clear refusals', async () => {
    await insertPastSession(t.postgres.url, { id: 'hold-1', createdAt: '2024-05-02T10:00:00Z' });
    const placed = await call('POST', '/api/records/holds', { sessionId: 'hold-1', reason: '稽查 2024-17' });
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ sessionId: 'hold-1', reason: '稽查 2024-17', placedBy: 'admin1' });
    expect((await call('POST', '/api/records/holds', { sessionId: 'hold-1', reason: 'again' })).body.error?.code).toBe('CONFLICT');
    expect((await call('POST', '/api/records/holds', { sessionId: 'no-such', reason: 'audit' })).body.error?.code).toBe('NOT_FOUND');
    expect((await call('POST', '/api/records/holds', { sessionId: 'hold-1' })).body.error?.code).toBe('VALIDATION_FAILED');
    expect((await call('GET', '/api/records/holds')).body.holds).toEqual([placed.body]);

    const released = await call('DELETE', '/api/records/holds/hold-1');
    expect(released.status).toBe(200);
    expect(released.body).toMatchObject({ sessionId: 'hold-1', releasedBy: 'admin1', releasedAt: expect.any(String) });
    expect((await call('DELETE', '/api/records/holds/hold-1')).body.error?.code).toBe('NOT_FOUND');
    expect((await call('GET', '/api/records/holds')).body.holds).toEqual([]);
    expect((await call('GET', '/api/records/holds?released=true')).body.holds).toEqual([released.body as LegalHold]);
  });

  it("erases a taxpayer's sessions in PostgreSQL and Redis, refused by a hold unless only the unheld are asked for, and logs it", async () => {
    const sub = 'tp-erase';
    const taxpayerId = '91310000MA1ERASE01';
    const live = await endedSession(sub, taxpayerId);
    const liveRows = await rowsOf(t.postgres.url, live);
    expect(liveRows).toMatchObject({ sessions: 1, chat_messages: 2, attachments: 1 });
    expect(await redisKeysOf(live)).not.toEqual([]);
    await insertPastSession(t.postgres.url, { id: 'erase-old', createdAt: '2024-06-01T10:00:00Z', sub, taxpayerId });
    await insertPastSession(t.postgres.url, { id: 'erase-held', createdAt: '2024-06-02T10:00:00Z', sub, taxpayerId });
    await insertPastSession(t.postgres.url, { id: 'erase-other', createdAt: '2024-06-03T10:00:00Z', sub: 'tp-someone-else' });
    await call('POST', '/api/records/holds', { sessionId: 'erase-held', reason: 'litigation' });
    // what the agent who served them did is the agents' record, not the taxpayer's: erasure keeps it
    const activity = await query(t.postgres.url, "SELECT event_id FROM agent_activity WHERE agent = 'agent1' ORDER BY event_id");
    expect(activity.length).toBeGreaterThan(0);

    const refused = await call('POST', '/api/records/erasures', { taxpayer: { kind: 'sub', value: sub }, reason: 'PIPL art. 47 request' });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'LEGAL_HOLD', details: { sessions: ['erase-held'] } });
    expect(await rowsOf(t.postgres.url, 'erase-old')).toEqual(PAST_SESSION_ROWS);

    const done = await call('POST', '/api/records/erasures', { taxpayer: { kind: 'sub', value: sub }, reason: 'PIPL art. 47 request', unheldOnly: true });
    expect(done.status).toBe(201);
    const erasure = done.body as unknown as Erasure;
    expect(erasure).toMatchObject({
      erasedBy: 'admin1',
      identifierKind: 'sub',
      identifierSha256: identifierSha256({ kind: 'sub', value: sub }),
      sessions: 2,
      heldKept: ['erase-held'],
    });
    expect(erasure.deleted).toMatchObject({
      sessions: 2,
      chat_messages: 3,
      attachments: liveRows.attachments + PAST_SESSION_ROWS.attachments,
      recordings: liveRows.recordings + PAST_SESSION_ROWS.recordings,
    });
    expect(erasure.deleted.redisKeys).toBeGreaterThan(3);
    for (const id of [live, 'erase-old']) expect(await rowsOf(t.postgres.url, id)).toEqual(NONE);
    expect(await query(t.postgres.url, "SELECT event_id FROM agent_activity WHERE agent = 'agent1' ORDER BY event_id")).toEqual(activity);
    expect(await rowsOf(t.postgres.url, 'erase-held')).toEqual(PAST_SESSION_ROWS);
    expect(await rowsOf(t.postgres.url, 'erase-other')).toEqual(PAST_SESSION_ROWS);
    expect(await redisKeysOf(live)).toEqual([]);
    expect(await redis.zScore('dp:ended', live)).toBeNull();
    // the log keeps who and when, never the identifier itself
    const log = await call('GET', '/api/records/erasures');
    expect(log.body.erasures).toEqual([erasure]);
    expect(JSON.stringify(await query(t.postgres.url, 'SELECT * FROM erasures'))).not.toContain(sub);

    // a record change of an erased session still on its way through the outbox does not bring it back
    await query(t.postgres.url, "INSERT INTO session_events (event_id, session_id, at, kind) VALUES ('late-1', $1, now(), 'state')", [live]);
    expect(await rowsOf(t.postgres.url, live)).toEqual(NONE);
  });

  it('erases by tax id only the sessions with that tax id, and refuses while the taxpayer is being served', async () => {
    await insertPastSession(t.postgres.url, { id: 'taxid-1', createdAt: '2024-07-01T10:00:00Z', sub: 'tp-agent-for-two', taxpayerId: '91310000MA1TAXID01' });
    await insertPastSession(t.postgres.url, { id: 'taxid-2', createdAt: '2024-07-02T10:00:00Z', sub: 'tp-agent-for-two', taxpayerId: '91310000MA1TAXID02' });
    const done = await call('POST', '/api/records/erasures', { taxpayer: { kind: 'taxpayerId', value: '91310000MA1TAXID01' }, reason: 'request 88' });
    expect(done.body).toMatchObject({ identifierKind: 'taxpayerId', sessions: 1 });
    expect(await rowsOf(t.postgres.url, 'taxid-1')).toEqual(NONE);
    expect(await rowsOf(t.postgres.url, 'taxid-2')).toEqual(PAST_SESSION_ROWS);

    const s = await activeSession(t, 'tp-being-served', { username: 'agent1', password: DEV_PASSWORDS.agent1 }, 'text');
    try {
      const refused = await call('POST', '/api/records/erasures', { taxpayer: { kind: 'sub', value: 'tp-being-served' }, reason: 'request 89' });
      expect(refused.status).toBe(409);
      expect(refused.body.error).toMatchObject({ code: 'CONFLICT', details: { sessions: [s.sessionId] } });
    } finally {
      s.agent.socket.close();
      s.taxpayer.socket.close();
    }
    expect((await call('POST', '/api/records/erasures', { taxpayer: { kind: 'nickname', value: 'x' }, reason: 'r' })).body.error?.code).toBe('VALIDATION_FAILED');
  });
});
