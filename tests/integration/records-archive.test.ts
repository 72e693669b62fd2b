import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import type { OfferEvent } from '@etax-assist/protocol';
import { recordKeys } from '@etax-assist/server';
import { EventLog } from '../harness/events.js';
import { outboxDrained, query } from '../harness/records.js';
import { DEV_PASSWORDS, METRICS_TOKEN, startTestService, type TestService } from '../harness/service.js';
import { activeSession } from '../harness/session.js';
import { connectSocket, requestOk } from '../harness/socket.js';

/** Issue 17, item 3: the session record, its audit trail and its chat reach PostgreSQL through the outbox. */
describe('the records outbox and the archiver (real Redis and PostgreSQL)', () => {
  let t: TestService;
  let redis: ReturnType<typeof createClient>;
  /** When the last wholeLife began: the expert's activity since then is that session's. */
  let lifeBegan = new Date();
  beforeAll(async () => {
    t = await startTestService({ ARCHIVE_BLOCK_MS: '100', ARCHIVE_RETRY_MS: '100', ARCHIVE_OUTBOX_WARN_LENGTH: '10', DATABASE_CONNECT_TIMEOUT_MS: '500' });
    redis = createClient({ url: t.redis.url });
    await redis.connect();
  });
  afterAll(async () => {
    await redis?.close();
    await t?.stop();
  });

  /** A session's whole life: request, offer, accept, chat, a supervisor monitoring, escalation to an expert, the agent leaving, the end, wrap-up. */
  async function wholeLife(taxpayerSub: string): Promise<string> {
    lifeBegan = new Date();
    const s = await activeSession(t, taxpayerSub, { username: 'agent1', password: DEV_PASSWORDS.agent1 }, 'text');
    const { sessionId } = s;
    await requestOk(s.taxpayer.socket, 'chat:send', { sessionId, text: '您好' });
    await requestOk(s.agent.socket, 'chat:send', { sessionId, text: '请讲' });
    const supervisor = await connectSocket(t.url, await t.staffToken('super1', DEV_PASSWORDS.super1));
    await requestOk(supervisor, 'supervisor:observe', { sessionId, mode: 'monitor' });
    await requestOk(supervisor, 'supervisor:unobserve', { sessionId });
    supervisor.close();
    const expert = await connectSocket(t.url, await t.staffToken('expert1', DEV_PASSWORDS.expert1));
    const expertLog = new EventLog(expert);
    await requestOk(expert, 'agent:status', { status: 'available' });
    await requestOk(s.agent.socket, 'session:escalate', { sessionId, note: '需要专家' });
    await requestOk(expert, 'offer:accept', { offerId: (await expertLog.next<OfferEvent>('offer:new', (o) => o.session.sessionId === sessionId)).offerId });
    await requestOk(s.agent.socket, 'session:leave', { sessionId });
    await requestOk(expert, 'session:end', { sessionId });
    await requestOk(expert, 'session:wrap-up', { sessionId, notes: '已解决', outcome: 'resolved' });
    for (const socket of [s.agent.socket, s.taxpayer.socket]) socket.close();
    await requestOk(expert, 'agent:status', { status: 'away' });
    expert.close();
    return sessionId;
  }

  async function expectArchivedOnce(sessionId: string): Promise<void> {
    const [session] = await query(t.postgres.url, 'SELECT * FROM sessions WHERE id = $1', [sessionId]);
    expect(session).toMatchObject({
      state: 'ended',
      entry_kind: 'portal',
      entry_page: '/',
      channel: 'text',
      agent: 'expert1',
      agents: ['agent1'],
      experts: ['expert1'],
      notes: '已解决',
      outcome: 'resolved',
    });
    for (const column of ['queued_at', 'offered_at', 'active_at', 'escalating_at', 'wrap_up_at', 'ended_at']) expect(session?.[column]).toBeInstanceOf(Date);
    expect(session?.wait_ms).toBeGreaterThanOrEqual(0);
    expect(session?.handling_ms).toBeGreaterThanOrEqual(0);
    // the audit trail: exactly the session's event stream, each once, with who did it
    const live = await redis.xRange(`sess:${sessionId}:events`, '-', '+');
    const events = await query<{ kind: string; actor_role: string | null; actor_id: string | null; details: Record<string, string> }>(
      t.postgres.url,
      'SELECT kind, actor_role, actor_id, details FROM session_events WHERE session_id = $1 ORDER BY event_id',
      [sessionId],
    );
    expect(events.length).toBe(live.length);
    expect(events.map((e) => (e.kind === 'state' ? `state:${e.details.state}` : e.kind))).toEqual(
      live.map((e) => (e.message.state ? `state:${e.message.state}` : Object.keys(e.message).find((k) => k !== 'at'))),
    );
    expect(events.find((e) => e.kind === 'monitor')).toMatchObject({ actor_role: 'supervisor', actor_id: 'super1' });
    expect(events.find((e) => e.kind === 'state' && e.details.state === 'escalating')).toMatchObject({ actor_role: 'agent', actor_id: 'agent1', details: { note: '需要专家' } });
    expect(events.find((e) => e.kind === 'state' && e.details.state === 'ended')).toMatchObject({ actor_role: 'expert', actor_id: 'expert1', details: { outcome: 'resolved' } });
    const chat = await redis.xRange(`sess:${sessionId}:chat`, '-', '+');
    const messages = await query(t.postgres.url, 'SELECT id, from_role, from_id, text FROM chat_messages WHERE session_id = $1 ORDER BY at', [sessionId]);
    expect(messages).toEqual(chat.map((m) => ({ id: m.id, from_role: m.message.fromRole, from_id: m.message.fromId, text: m.message.text })));
    expect(await redis.xLen(recordKeys.deadLetters)).toBe(0);
    // the expert's side of it in agent_activity, each change once: available, offered (load 1),
    // accepted (no change), ended (wrap-up, load 0), wrapped up, away
    const activity = await query<{ status: string; wrap: boolean; load: number; capacity: number; actor_id: string | null }>(
      t.postgres.url,
      "SELECT status, wrap, load, capacity, actor_id FROM agent_activity WHERE agent = 'expert1' AND at >= $1 ORDER BY at, split_part(event_id, '-', 2)::bigint",
      [lifeBegan],
    );
    const fromSignIn = activity.slice(activity.findIndex((a) => a.status === 'available'));
    expect(fromSignIn.map((a) => `${a.status}|${a.wrap ? 'wrap' : '-'}|${a.load}`)).toEqual(['available|-|0', 'available|-|1', 'available|wrap|0', 'available|-|0', 'away|-|0']);
    expect(fromSignIn.every((a) => a.capacity > 0 && a.actor_id === null)).toBe(true);
  }

  it("a session's whole life appears in sessions, session_events and chat_messages, exactly once", async () => {
    const sessionId = await wholeLife('tp-archive');
    await outboxDrained(t.redis.url);
    await expectArchivedOnce(sessionId);
    expect(await t.metricsText()).toMatch(/etax_archived_records_total\{kind="chat"\} 2/);
  });

  it("a supervisor signing an agent off is the actor of its session's return to the queue", async () => {
    const s = await activeSession(t, 'tp-forced', { username: 'agent1', password: DEV_PASSWORDS.agent1 }, 'text');
    const supervisor = await connectSocket(t.url, await t.staffToken('super1', DEV_PASSWORDS.super1));
    await requestOk(supervisor, 'supervisor:agent-status', { agentId: 'agent1', status: 'offline' });
    await requestOk(s.taxpayer.socket, 'help:cancel', { sessionId: s.sessionId });
    for (const socket of [supervisor, s.agent.socket, s.taxpayer.socket]) socket.close();
    await outboxDrained(t.redis.url);
    const states = await query<{ state: string; actor_role: string | null; actor_id: string | null }>(
      t.postgres.url,
      "SELECT details->>'state' AS state, actor_role, actor_id FROM session_events WHERE session_id = $1 AND kind = 'state' ORDER BY event_id",
      [s.sessionId],
    );
    // the re-queue is the supervisor's doing, the end the taxpayer's
    expect(states).toContainEqual({ state: 'queued', actor_role: 'supervisor', actor_id: 'super1' });
    // and so is the agent's going offline in its activity (the taxpayer is never named there)
    const [offline] = await query(t.postgres.url, "SELECT load, actor_id FROM agent_activity WHERE agent = 'agent1' AND status = 'offline' AND actor_id IS NOT NULL");
    expect(offline).toEqual({ load: 0, actor_id: 'super1' });
    expect(await query(t.postgres.url, "SELECT 1 FROM agent_activity WHERE actor_id = 'tp-forced'")).toEqual([]);
    expect(states.at(-1)).toEqual({ state: 'cancelled', actor_role: 'taxpayer', actor_id: 'tp-forced' });
  });

  it('with PostgreSQL stopped, routing and chat go on and the outbox grows; after its restart it drains, nothing lost or doubled', async () => {
    await t.postgres.pause();
    let sessionId: string;
    try {
      sessionId = await wholeLife('tp-outage');
      expect(await redis.xLen(recordKeys.outbox)).toBeGreaterThan(10);
      expect(await t.metricsText()).toMatch(/etax_archive_failures_total\{stage="write"\} [1-9]/);
      // the service stays healthy; the outbox shows as a warning in the details
      const health = await fetch(`${t.url}/healthz`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ checks: { database: { ok: false }, outbox: { ok: false, detail: expect.stringMatching(/record changes not archived yet/) } } });
    } finally {
      await t.postgres.start();
    }
    await outboxDrained(t.redis.url);
    await expectArchivedOnce(sessionId);
  });
});
