import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import type { ChatMessage, RecordingPage } from '@etax-assist/protocol';
import { recordKeys, sessionHotKeys } from '@etax-assist/server';
import { outboxDrained, query } from '../harness/records.js';
import { DEV_PASSWORDS, startTestService, type TestService } from '../harness/service.js';
import { activeSession } from '../harness/session.js';
import { connectSocket, request, requestOk, type TestSocket } from '../harness/socket.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** A 300 KB "PNG": the signature the content check looks for, then bytes of every value. */
const FILE = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), randomBytes(300 * 1024)]);
const meta = (t: number) => ({ type: 4, data: { href: 'https://portal/x', width: 800, height: 600 }, timestamp: t });
const full = (t: number) => ({
  type: 2,
  data: { node: { type: 0, childNodes: [{ type: 3, textContent: '申报', id: 2 }], id: 1 }, initialOffset: { left: 0, top: 0 } },
  timestamp: t,
});
const text = (t: number) => ({
  type: 3,
  data: { source: 0, texts: [{ id: 2, value: `第${t}步 ${randomBytes(200).toString('hex')}` }], attributes: [], removes: [], adds: [] },
  timestamp: t,
});

/** Issue 17, items 2–4: what an ended session leaves in Redis moves to PostgreSQL, and its keys expire. */
describe('an ended session leaves Redis (real Redis and PostgreSQL)', () => {
  let t: TestService;
  let redis: ReturnType<typeof createClient>;
  let supervisor: TestSocket;
  beforeAll(async () => {
    t = await startTestService({
      SESSION_HOT_RETENTION_S: '1',
      RECORDS_MOVE_INTERVAL_MS: '50',
      ARCHIVE_BLOCK_MS: '50',
      ARCHIVE_RETRY_MS: '100',
      // the move's lease: a move PostgreSQL refused is tried again after it
      ARCHIVE_CLAIM_IDLE_MS: '500',
      DATABASE_CONNECT_TIMEOUT_MS: '500',
      COBROWSE_RECORDING_CHUNK_BYTES: '2048',
      COBROWSE_RECORDING_FLUSH_MS: '100',
      DISPATCH_METRICS_INTERVAL_MS: '200',
    });
    redis = createClient({ url: t.redis.url });
    await redis.connect();
    supervisor = await connectSocket(t.url, await t.staffToken('super1', DEV_PASSWORDS.super1));
  });
  afterAll(async () => {
    supervisor?.close();
    await redis?.close();
    await t?.stop();
  });

  /** A text session with chat, the 300 KB file and a co-browsing recording, served and wrapped up by agent1. */
  async function servedSession(taxpayerSub: string): Promise<{ sessionId: string; attachmentId: string }> {
    const s = await activeSession(t, taxpayerSub, { username: 'agent1', password: DEV_PASSWORDS.agent1 }, 'text');
    const { sessionId } = s;
    await requestOk(s.taxpayer.socket, 'chat:send', { sessionId, text: '这是我的发票' });
    const uploaded = await fetch(`${t.url}/api/sessions/${sessionId}/attachments?name=${encodeURIComponent('发票.png')}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.taxpayerToken({ sub: taxpayerSub })}`, 'content-type': 'image/png' },
      body: new Uint8Array(FILE),
    });
    expect(uploaded.status).toBe(200);
    const attachmentId = ((await uploaded.json()) as ChatMessage).attachment!.id;
    await requestOk(s.taxpayer.socket, 'cobrowse:share', { sessionId, sharing: true });
    await requestOk(s.taxpayer.socket, 'cobrowse:events', { sessionId, seq: 0, events: [meta(1), full(2)] });
    for (let seq = 1; seq <= 20; seq++) await requestOk(s.taxpayer.socket, 'cobrowse:events', { sessionId, seq, events: [text(seq + 2), text(seq + 3)] });
    await requestOk(s.agent.socket, 'session:end', { sessionId });
    await requestOk(s.agent.socket, 'session:wrap-up', { sessionId, notes: '已核对', outcome: 'resolved' });
    for (const socket of [s.agent.socket, s.taxpayer.socket]) socket.close();
    return { sessionId, attachmentId };
  }

  /** The whole replay through the socket, in pages of `limit` entries. */
  async function replay(sessionId: string, limit = 7): Promise<RecordingPage['entries']> {
    const entries: RecordingPage['entries'] = [];
    let after: string | undefined;
    do {
      const page: RecordingPage = await requestOk(supervisor, 'cobrowse:recording', after ? { sessionId, after, limit } : { sessionId, limit });
      entries.push(...page.entries);
      after = page.next;
    } while (after);
    return entries;
  }

  const download = async (sessionId: string, attachmentId: string) => {
    const response = await fetch(`${t.url}/api/sessions/${sessionId}/attachments/${attachmentId}`, {
      headers: { authorization: `Bearer ${await t.staffToken('agent1', DEV_PASSWORDS.agent1)}` },
    });
    expect(response.status).toBe(200);
    return Buffer.from(await response.arrayBuffer());
  };

  /** Waits until none of the session's keys is left in Redis. */
  async function keysGone(sessionId: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((await redis.exists(sessionHotKeys(sessionId))) > 0) {
      if (Date.now() > deadline) throw new Error(`keys of ${sessionId} still in Redis: ${(await redis.keys(`*${sessionId}*`)).join(' ')}`);
      await sleep(100);
    }
  }

  /** Bytes of the records' tables (partitions and their TOAST and indexes included). */
  const recordBytes = async () => {
    const [row] = await query<{ bytes: string }>(
      t.postgres.url,
      `SELECT sum(pg_total_relation_size(relid))::bigint AS bytes FROM (
         SELECT unnest(ARRAY['sessions', 'session_events', 'chat_messages', 'attachments']::regclass[]) AS relid
         UNION ALL SELECT relid FROM pg_partition_tree('recordings') WHERE isleaf) tables`,
    );
    return Number(row!.bytes);
  };

  it('files and recording reach PostgreSQL as they were, the keys expire, and download and replay go on from PostgreSQL', async () => {
    // the first rows of each table and index take their first pages: measured from the second session on
    await keysGone((await servedSession('tp-move-first')).sessionId);
    const before = await recordBytes();
    const { sessionId, attachmentId } = await servedSession('tp-move');
    // hot: from Redis (the move may have happened already; its keys live SESSION_HOT_RETENTION_S more)
    const hotReplay = await replay(sessionId);
    expect(hotReplay.filter((e) => e.kind === 'rrweb').length).toBeGreaterThan(3);
    expect((await download(sessionId, attachmentId)).equals(FILE)).toBe(true);
    const bytesInRedis =
      Number(await redis.sendCommand(['MEMORY', 'USAGE', `cb:${sessionId}:rec`])) + Number(await redis.sendCommand(['MEMORY', 'USAGE', `att:${sessionId}:files`]));
    // bytes as bytes: the file's hash holds it plainly, not as base64 (a third more)
    expect(bytesInRedis).toBeLessThan(FILE.length * 1.3);

    await keysGone(sessionId);
    expect(await redis.zScore(recordKeys.moves, sessionId)).toBeNull();
    const [file] = await query<{ content: Buffer; name: string; size: number; uploader_id: string }>(
      t.postgres.url,
      'SELECT content, name, size, uploader_id FROM attachments WHERE session_id = $1',
      [sessionId],
    );
    expect(file).toMatchObject({ name: '发票.png', size: FILE.length, uploader_id: 'tp-move' });
    expect(file!.content.equals(FILE)).toBe(true);
    const chunks = await query<{ seq: number }>(t.postgres.url, 'SELECT seq FROM recordings WHERE session_id = $1 ORDER BY seq', [sessionId]);
    expect(chunks.map((c) => c.seq)).toEqual(chunks.map((_, i) => i));
    // cold: the same entries, ids and all, in pages of any size
    expect(await replay(sessionId)).toEqual(hotReplay);
    expect(await replay(sessionId, 1000)).toEqual(hotReplay);
    expect((await download(sessionId, attachmentId)).equals(FILE)).toBe(true);
    // participants only, as before: a stranger still gets nothing
    const stranger = await fetch(`${t.url}/api/sessions/${sessionId}/attachments/${attachmentId}`, {
      headers: { authorization: `Bearer ${t.taxpayerToken({ sub: 'tp-stranger' })}` },
    });
    expect(stranger.status).toBe(404);
    // the supervisors' list of recent sessions skips what left Redis
    await sleep(600);
    expect((await requestOk(supervisor, 'supervisor:subscribe', {})).recent.map((r) => r.sessionId)).not.toContain(sessionId);

    const bytesInPostgres = (await recordBytes()) - before;
    // what still names it in Redis: its entry in the taxpayer's history list (this taxpayer's only one) and in dp:ended
    const historyBytes = Number(await redis.sendCommand(['MEMORY', 'USAGE', 'taxpayer:tp-move:history']));
    console.info(
      `measured: an ended session leaves 0 keys of its own in Redis (its history list: ${historyBytes} B); it takes ${bytesInPostgres} B in PostgreSQL (file ${FILE.length} B, ${chunks.length} recording chunks, ${hotReplay.length} entries)`,
    );
    expect(await t.metricsText()).toMatch(/etax_sessions_moved_total [1-9]/);
  });

  it('with PostgreSQL stopped, the session stays whole in Redis; after the restart it moves and nothing is lost', async () => {
    await t.postgres.pause();
    let moved: { sessionId: string; attachmentId: string };
    try {
      moved = await servedSession('tp-move-outage');
      await sleep(1500);
      // nothing expired: its keys keep the retention period until the record is in PostgreSQL
      expect(await redis.ttl(`sess:${moved.sessionId}`)).toBeGreaterThan(86_400);
      expect(await redis.exists(`att:${moved.sessionId}:files`)).toBe(1);
    } finally {
      await t.postgres.start();
    }
    const hotReplay = await replay(moved.sessionId);
    await outboxDrained(t.redis.url);
    await keysGone(moved.sessionId);
    expect(await replay(moved.sessionId)).toEqual(hotReplay);
    expect((await download(moved.sessionId, moved.attachmentId)).equals(FILE)).toBe(true);
    const [counts] = await query<{ files: number; sessions: number }>(
      t.postgres.url,
      'SELECT (SELECT count(*)::int FROM attachments WHERE session_id = $1) AS files, (SELECT count(*)::int FROM sessions WHERE id = $1) AS sessions',
      [moved.sessionId],
    );
    expect(counts).toEqual({ files: 1, sessions: 1 });
    // once it is only in PostgreSQL, PostgreSQL away is a retryable refusal, not an internal error
    await t.postgres.pause();
    try {
      const response = await fetch(`${t.url}/api/sessions/${moved.sessionId}/attachments/${moved.attachmentId}`, {
        headers: { authorization: `Bearer ${await t.staffToken('agent1', DEV_PASSWORDS.agent1)}` },
      });
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ error: { code: 'UNAVAILABLE' } });
      expect(await request(supervisor, 'cobrowse:recording', { sessionId: moved.sessionId })).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
    } finally {
      await t.postgres.start();
    }
  });
});
