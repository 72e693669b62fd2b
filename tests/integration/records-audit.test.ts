import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createClient } from 'redis';
import type { ChatMessage, OutboxEntry } from '@etax-assist/protocol';
import { ArchiveBatch, connectDatabase, recordKeys, type DatabasePool } from '@etax-assist/server';
import { outboxDrained, query } from '../harness/records.js';
import { DEV_PASSWORDS, startTestService, type TestService } from '../harness/service.js';
import { activeSession } from '../harness/session.js';
import { connectSocket, request, requestOk } from '../harness/socket.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000a49444154789c6300010000050001', 'hex');
const meta = { type: 4, data: { href: 'https://portal/x', width: 800, height: 600 }, timestamp: 1 };
const full = { type: 2, data: { node: { type: 0, childNodes: [], id: 1 }, initialOffset: { left: 0, top: 0 } }, timestamp: 2 };
const OUTBOX_MAX = 30;

type AuditRow = { kind: string; actor_role: string | null; actor_id: string | null; details: Record<string, string> };

/** Issue 17, items 2 and 3: what people do to and look at of a session is in its audit trail; ratings reach the record; the outbox is bounded. */
describe('the audit trail, ratings and the outbox bound (real Redis and PostgreSQL)', () => {
  let t: TestService;
  let redis: ReturnType<typeof createClient>;
  beforeAll(async () => {
    t = await startTestService({
      ARCHIVE_BLOCK_MS: '100',
      ARCHIVE_RETRY_MS: '100',
      ARCHIVE_OUTBOX_WARN_LENGTH: '10',
      ARCHIVE_OUTBOX_MAX_LENGTH: String(OUTBOX_MAX),
      DATABASE_CONNECT_TIMEOUT_MS: '500',
    });
    redis = createClient({ url: t.redis.url });
    await redis.connect();
  });
  afterAll(async () => {
    await redis?.close();
    await t?.stop();
  });

  const auditTrail = (sessionId: string) =>
    query<AuditRow>(t.postgres.url, "SELECT kind, actor_role, actor_id, details FROM session_events WHERE session_id = $1 AND kind NOT IN ('state', 'offer') ORDER BY event_id", [
      sessionId,
    ]);
  /** The taxpayer sends a file in the session's chat: its id. */
  const upload = async (sessionId: string, taxpayerSub: string) => {
    const uploaded = await fetch(`${t.url}/api/sessions/${sessionId}/attachments?name=a.png`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.taxpayerToken({ sub: taxpayerSub })}`, 'content-type': 'image/png' },
      body: new Uint8Array(PNG),
    });
    return ((await uploaded.json()) as ChatMessage).attachment!.id;
  };
  const download = async (sessionId: string, attachmentId: string, token?: string) =>
    fetch(`${t.url}/api/sessions/${sessionId}/attachments/${attachmentId}`, {
      headers: { authorization: `Bearer ${token ?? (await t.staffToken('agent1', DEV_PASSWORDS.agent1))}` },
    });

  it('consent, control, watching, replays, downloads, cards viewed and ratings are each in session_events once, with who did them', async () => {
    const s = await activeSession(t, 'tp-audit', { username: 'agent1', password: DEV_PASSWORDS.agent1 }, 'text');
    const { sessionId } = s;
    const [taxpayer, agent] = [s.taxpayer.socket, s.agent.socket];
    await requestOk(taxpayer, 'cobrowse:share', { sessionId, sharing: true });
    // consenting again changes nothing, and records nothing
    await requestOk(taxpayer, 'cobrowse:share', { sessionId, sharing: true });
    await requestOk(taxpayer, 'cobrowse:events', { sessionId, seq: 0, events: [meta, full] });
    await requestOk(agent, 'cobrowse:watch', { sessionId });
    await requestOk(agent, 'cobrowse:control-request', { sessionId });
    await requestOk(taxpayer, 'cobrowse:control-answer', { sessionId, grant: true, requesterId: 'agent1' });
    await requestOk(taxpayer, 'cobrowse:control-stop', { sessionId });
    await requestOk(agent, 'cobrowse:control-request', { sessionId });
    await requestOk(taxpayer, 'cobrowse:control-answer', { sessionId, grant: false, requesterId: 'agent1' });
    await requestOk(agent, 'cobrowse:control-request', { sessionId });
    await requestOk(agent, 'cobrowse:control-stop', { sessionId });
    const attachmentId = await upload(sessionId, 'tp-audit');
    expect((await download(sessionId, attachmentId)).status).toBe(200);
    await requestOk(agent, 'session:card', { sessionId });
    await requestOk(agent, 'cobrowse:unwatch', { sessionId });
    await requestOk(taxpayer, 'cobrowse:share', { sessionId, sharing: false });
    await requestOk(agent, 'session:end', { sessionId });
    await requestOk(agent, 'session:wrap-up', { sessionId, notes: '', outcome: 'resolved' });
    // rated after the end, twice: the latest counts
    await requestOk(taxpayer, 'session:rate', { sessionId, score: 3 });
    await requestOk(taxpayer, 'session:rate', { sessionId, score: 5, comment: '很好' });
    const supervisor = await connectSocket(t.url, await t.staffToken('super1', DEV_PASSWORDS.super1));
    await requestOk(supervisor, 'cobrowse:recording', { sessionId, limit: 2 });
    for (const socket of [supervisor, agent, taxpayer]) socket.close();

    await outboxDrained(t.redis.url);
    const trail = await auditTrail(sessionId);
    const tp = ['taxpayer', 'tp-audit'];
    const ag = ['agent', 'agent1'];
    expect(trail.map((e) => [e.kind, e.actor_role, e.actor_id])).toEqual([
      ['consent-given', ...tp],
      ['mirror-watched', ...ag],
      ['control-requested', ...ag],
      ['control-granted', ...tp],
      ['control-revoked', ...tp],
      ['control-requested', ...ag],
      ['control-refused', ...tp],
      ['control-requested', ...ag],
      ['control-stopped', ...ag],
      ['attachment-downloaded', ...ag],
      ['card-viewed', ...ag],
      ['mirror-unwatched', ...ag],
      ['consent-withdrawn', ...tp],
      ['rated', ...tp],
      ['rated', ...tp],
      ['recording-replayed', 'supervisor', 'super1'],
    ]);
    const detailsOf = (kind: string) => trail.filter((e) => e.kind === kind).map((e) => e.details);
    expect(detailsOf('control-granted')).toEqual([{ requester: 'agent1' }]);
    expect(detailsOf('control-revoked')).toEqual([{ controller: 'agent1', was: 'granted' }]);
    expect(detailsOf('control-stopped')).toEqual([{ controller: 'agent1', was: 'requested' }]);
    expect(detailsOf('attachment-downloaded')).toEqual([{ attachment: attachmentId }]);
    expect(detailsOf('recording-replayed')).toEqual([{ after: '', entries: expect.stringMatching(/^\d+$/) }]);
    expect(detailsOf('rated')).toEqual([
      { rated: '3', comment: '' },
      { rated: '5', comment: '很好' },
    ]);
    const [row] = await query(t.postgres.url, 'SELECT rating, rating_comment FROM sessions WHERE id = $1', [sessionId]);
    expect(row).toEqual({ rating: 5, rating_comment: '很好' });
  });

  it('a watch that ends with its socket (the tab closed) is recorded as ended too', async () => {
    const s = await activeSession(t, 'tp-audit-tab', { username: 'agent1', password: DEV_PASSWORDS.agent1 }, 'text');
    const { sessionId } = s;
    await requestOk(s.taxpayer.socket, 'cobrowse:share', { sessionId, sharing: true });
    // a second tab of the agent's, watching the mirror
    const tab = await connectSocket(t.url, await t.staffToken('agent1', DEV_PASSWORDS.agent1));
    await requestOk(tab, 'cobrowse:watch', { sessionId });
    tab.close();
    await expect
      .poll(async () => (await auditTrail(sessionId)).filter((e) => e.kind.startsWith('mirror-')).map((e) => [e.kind, e.actor_id, e.details]), { timeout: 10_000 })
      .toEqual([
        ['mirror-watched', 'agent1', {}],
        ['mirror-unwatched', 'agent1', { ended: 'disconnected' }],
      ]);
    await requestOk(s.agent.socket, 'session:end', { sessionId });
    await requestOk(s.agent.socket, 'session:wrap-up', { sessionId, notes: '', outcome: 'resolved' });
    for (const socket of [s.agent.socket, s.taxpayer.socket]) socket.close();
  });

  it('a look that cannot be recorded is refused (UNAVAILABLE), and nothing is shown', async () => {
    const s = await activeSession(t, 'tp-closed', { username: 'agent1', password: DEV_PASSWORDS.agent1 }, 'text');
    const { sessionId } = s;
    const attachmentId = await upload(sessionId, 'tp-closed');
    const agentToken = await t.staffToken('agent1', DEV_PASSWORDS.agent1);
    const limit = (await redis.configGet('maxmemory')).maxmemory!;
    // every write refused (OOM): the outbox cannot take the entry
    await redis.configSet('maxmemory', '1');
    try {
      expect(await request(s.agent.socket, 'session:card', { sessionId })).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
      expect(await request(s.agent.socket, 'cobrowse:watch', { sessionId })).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
      expect(await request(s.agent.socket, 'cobrowse:recording', { sessionId })).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
      const refused = await download(sessionId, attachmentId, agentToken);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('content-type')).not.toBe('image/png');
    } finally {
      await redis.configSet('maxmemory', limit);
    }
    await requestOk(s.agent.socket, 'session:card', { sessionId });
    await requestOk(s.agent.socket, 'session:end', { sessionId });
    await requestOk(s.agent.socket, 'session:wrap-up', { sessionId, notes: '', outcome: 'resolved' });
    for (const socket of [s.agent.socket, s.taxpayer.socket]) socket.close();
    await outboxDrained(t.redis.url);
    expect((await auditTrail(sessionId)).map((e) => e.kind)).toEqual(['card-viewed']);
  });

  it('once the outbox is full new help requests are refused (UNAVAILABLE) while the session in progress goes on; after the drain they are taken again', async () => {
    const s = await activeSession(t, 'tp-bound', { username: 'agent1', password: DEV_PASSWORDS.agent1 }, 'text');
    const { sessionId } = s;
    const latecomer = await connectSocket(t.url, t.taxpayerToken({ sub: 'tp-late' }));
    const help = { language: 'zh', topic: 'invoice', channel: 'text', entry: { kind: 'portal', page: '/' } } as const;
    await t.postgres.pause();
    let sent = 0;
    try {
      while ((await redis.xLen(recordKeys.outbox)) < OUTBOX_MAX) {
        await requestOk(s.taxpayer.socket, 'chat:send', { sessionId, text: `m${sent++}` });
      }
      const refused = await request(latecomer, 'help:request', help);
      expect(refused).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE', message: expect.stringMatching(/Records cannot be kept right now/) } });
      expect(await t.metricsText()).toMatch(/etax_outbox_full_refusals_total 1/);
      // what was accepted goes on to its end, beyond the bound
      await requestOk(s.agent.socket, 'chat:send', { sessionId, text: '还在' });
      sent++;
      await requestOk(s.agent.socket, 'session:end', { sessionId });
      await requestOk(s.agent.socket, 'session:wrap-up', { sessionId, notes: '', outcome: 'resolved' });
      expect(await redis.xLen(recordKeys.outbox)).toBeGreaterThan(OUTBOX_MAX);
    } finally {
      await t.postgres.start();
    }
    await outboxDrained(t.redis.url);
    const [{ messages } = { messages: 0 }] = await query<{ messages: number }>(t.postgres.url, 'SELECT count(*)::int AS messages FROM chat_messages WHERE session_id = $1', [
      sessionId,
    ]);
    expect(messages).toBe(sent);
    const taken = await requestOk(latecomer, 'help:request', help);
    await requestOk(latecomer, 'help:cancel', { sessionId: taken.sessionId });
    for (const socket of [s.agent.socket, s.taxpayer.socket, latecomer]) socket.close();
  });

  describe('a rating and the closing entry archived at the same time, by two transactions', () => {
    let database: DatabasePool;
    beforeAll(async () => {
      database = await connectDatabase(
        { url: t.postgres.url, max: 2, connectTimeoutMs: 2000, statementTimeoutMs: 30_000, applicationName: 'rating crossing test' },
        pino({ level: 'silent' }),
      );
    });
    afterAll(async () => database?.end());

    const closing = (session: string): OutboxEntry => ({
      t: 'event',
      session,
      at: 1_750_000_000_000,
      kind: 'state',
      actor: { role: 'agent', id: 'agent1' },
      details: { state: 'ended' },
      record: {
        fields: {
          state: 'ended',
          createdAt: '2025-06-15T10:00:00.000Z',
          taxpayerSub: 'tp-cross',
          taxpayerName: '',
          taxpayerId: '',
          company: '',
          entry: JSON.stringify({ kind: 'portal', page: '/' }),
          topic: 'invoice',
          language: 'zh',
          channel: 'text',
          priority: 'normal',
          rating: '2',
        },
        served: ['agent:agent1'],
      },
    });
    const rated = (session: string, score: number): OutboxEntry => ({
      t: 'event',
      session,
      at: 1_750_000_000_001,
      kind: 'rated',
      actor: { role: 'taxpayer', id: 'tp-cross' },
      details: { rated: String(score), comment: `score ${score}` },
    });
    const batchOf = (id: string, entry: OutboxEntry) => {
      const batch = new ArchiveBatch();
      batch.add(id, entry);
      return batch;
    };

    /** `first` is written and left uncommitted; `second` starts meanwhile (and must wait for the session's lock); then both commit. */
    async function crossing(first: ArchiveBatch, second: ArchiveBatch): Promise<void> {
      const [one, two] = [await database.connect(), await database.connect()];
      try {
        await one.query('BEGIN');
        await first.writeIn(one);
        await two.query('BEGIN');
        const secondDone = second.writeIn(two);
        // the second is held at the session's advisory lock while the first is open
        for (let waited = 0; ; waited += 20) {
          const [waiting] = await query<{ n: number }>(
            t.postgres.url,
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'rating crossing test' AND wait_event_type = 'Lock' AND wait_event = 'advisory'",
          );
          if (waiting?.n === 1) break;
          if (waited > 5000) throw new Error('the second transaction never waited for the session lock');
          await sleep(20);
        }
        await one.query('COMMIT');
        await secondDone;
        await two.query('COMMIT');
      } finally {
        one.release();
        two.release();
      }
    }

    const ratingOf = async (session: string) => (await query(t.postgres.url, 'SELECT rating, rating_comment FROM sessions WHERE id = $1', [session]))[0];

    it('the closing entry first: the rating archived while it is uncommitted still reaches the row', async () => {
      await crossing(batchOf('1750000000000-0', closing('cross-a')), batchOf('1750000000001-0', rated('cross-a', 4)));
      expect(await ratingOf('cross-a')).toEqual({ rating: 4, rating_comment: 'score 4' });
    });

    it('the rating first: the row inserted while it is uncommitted takes it', async () => {
      await crossing(batchOf('1750000000011-0', rated('cross-b', 5)), batchOf('1750000000010-0', closing('cross-b')));
      expect(await ratingOf('cross-b')).toEqual({ rating: 5, rating_comment: 'score 5' });
    });

    it('of two ratings the one appended last counts, whatever the order they are archived in', async () => {
      const batch = new ArchiveBatch();
      batch.add('1750000000023-0', rated('cross-c', 1));
      batch.add('1750000000020-0', closing('cross-c'));
      batch.add('1750000000022-0', rated('cross-c', 3));
      await batch.write(database);
      expect(await ratingOf('cross-c')).toEqual({ rating: 1, rating_comment: 'score 1' });
    });
  });
});
