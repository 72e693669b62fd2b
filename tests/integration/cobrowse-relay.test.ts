import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CobrowseState, EventBatch, RequestOf } from '@etax-assist/protocol';
import { DEV_PASSWORDS, startTestService, type TestService } from '../harness/service.js';
import { activeSession, type ActiveSession } from '../harness/session.js';
import { connectSocket, rawRequest, request } from '../harness/socket.js';

const meta = (t: number) => ({ type: 4, data: { href: 'https://portal/x', width: 800, height: 600 }, timestamp: t });
const full = (t: number, text = 'hello') => ({
  type: 2,
  data: { node: { type: 0, childNodes: [{ type: 3, textContent: text, id: 2 }], id: 1 }, initialOffset: { left: 0, top: 0 } },
  timestamp: t,
});
const mutation = (t: number) => ({ type: 3, data: { source: 0, texts: [], attributes: [], removes: [], adds: [] }, timestamp: t });

describe('co-browsing relay (real service, real Redis)', () => {
  let t: TestService;
  let s: ActiveSession;
  beforeAll(async () => {
    t = await startTestService({
      COBROWSE_MAX_BATCH_EVENTS: '50',
      COBROWSE_MAX_EVENTS_PER_S: '200',
      COBROWSE_MAX_SNAPSHOT_BYTES: '20000',
      COBROWSE_CONTROL_REQUEST_TIMEOUT_S: '1',
      COBROWSE_RECORDING_CHUNK_BYTES: '1024',
      COBROWSE_MAX_AGENT_BACKLOG: '5',
      COBROWSE_MAX_BATCH_BYTES: '100000',
      COBROWSE_MAX_LIVE_BATCHES: '1000',
    });
    s = await activeSession(t, 'tp-cb', { username: 'agent1', password: DEV_PASSWORDS.agent1 }, 'text');
  });
  afterAll(async () => {
    s?.taxpayer.socket.close();
    s?.agent.socket.close();
    await t?.stop();
  });

  it('relays nothing before consent, then the snapshot and what follows; late joiners get the mirror at once', async () => {
    const sessionId = s.sessionId;
    expect(await request(s.taxpayer.socket, 'cobrowse:events', { sessionId, seq: 0, events: [meta(1), full(2)] })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    const waiting = await request(s.agent.socket, 'cobrowse:watch', { sessionId });
    expect(waiting).toMatchObject({ ok: true, result: { state: { sharing: 'waiting' }, events: [] } });

    const shared = await request(s.taxpayer.socket, 'cobrowse:share', { sessionId, sharing: true });
    expect(shared).toMatchObject({ ok: true, result: { sharing: 'sharing' } });
    await s.agent.log.next<CobrowseState>('cobrowse:state', (st) => st.sharing === 'sharing');
    expect(await request(s.taxpayer.socket, 'cobrowse:events', { sessionId, seq: 0, events: [meta(1), full(2)] })).toEqual({
      ok: true,
      result: { accepted: 2, snapshotWanted: false },
    });
    expect(await request(s.taxpayer.socket, 'cobrowse:events', { sessionId, seq: 1, events: [mutation(3)] })).toEqual({ ok: true, result: { accepted: 1, snapshotWanted: false } });
    await s.agent.log.next<{ events: { type: number }[] }>('cobrowse:events', (e) => e.events[0]?.type === 3);

    // a gap in the sequence (a lost batch) asks for a fresh snapshot
    expect(await request(s.taxpayer.socket, 'cobrowse:events', { sessionId, seq: 5, events: [mutation(4)] })).toEqual({ ok: true, result: { accepted: 1, snapshotWanted: true } });

    const supervisor = await connectSocket(t.url, await t.staffToken('super1', DEV_PASSWORDS.super1));
    await request(supervisor, 'supervisor:observe', { sessionId, mode: 'monitor' });
    const late = await request(supervisor, 'cobrowse:watch', { sessionId });
    if (!late.ok) throw new Error(late.error.message);
    expect(late.result.events.map((e) => e.type)).toEqual([4, 2, 3, 3]);
    // a new snapshot replaces the buffer
    await request(s.taxpayer.socket, 'cobrowse:events', { sessionId, seq: 6, events: [mutation(5), meta(6), full(7, 'again')] });
    const again = await request(supervisor, 'cobrowse:watch', { sessionId });
    if (!again.ok) throw new Error(again.error.message);
    expect(again.result.events.map((e) => e.type)).toEqual([4, 2]);
    // a silent monitor may watch but not point or control
    expect(await request(supervisor, 'cobrowse:annotate', { sessionId, annotation: { kind: 'pointer', x: 1, y: 2 } })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await request(supervisor, 'cobrowse:control-request', { sessionId })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    supervisor.close();
  });

  it('enforces the batch, rate and snapshot limits with clear errors', async () => {
    const sessionId = s.sessionId;
    const many = Array.from({ length: 51 }, (_, i) => mutation(10 + i));
    expect(await request(s.taxpayer.socket, 'cobrowse:events', { sessionId, seq: 7, events: many })).toMatchObject({ ok: false, error: { code: 'PAYLOAD_TOO_LARGE' } });
    let limited = false;
    // enough batches that one second sees more than the limit, however the loop straddles a second
    for (let i = 0; i < 20 && !limited; i++) {
      const ack = await request(s.taxpayer.socket, 'cobrowse:events', { sessionId, seq: 7 + i, events: many.slice(0, 50) });
      limited = !ack.ok && ack.error.code === 'RATE_LIMITED';
    }
    expect(limited).toBe(true);
    const agentTold = s.agent.log.next<{ code: string }>('cobrowse:error', (e) => e.code === 'PAYLOAD_TOO_LARGE');
    expect(await request(s.taxpayer.socket, 'cobrowse:events', { sessionId, seq: 20, events: [meta(1), full(2, 'x'.repeat(30000))] })).toMatchObject({
      ok: false,
      error: { code: 'PAYLOAD_TOO_LARGE' },
    });
    await agentTold;
  });

  it("applies control only with the taxpayer's consent, held by the server; requests lapse; Stop revokes", async () => {
    const sessionId = s.sessionId;
    const click: RequestOf<'cobrowse:control-input'> = { sessionId, input: { action: 'click', nodeId: 2 } };
    expect(await request(s.agent.socket, 'cobrowse:control-input', click)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await request(s.taxpayer.socket, 'cobrowse:control-answer', { sessionId, grant: true, requesterId: 'agent1' })).toMatchObject({
      ok: false,
      error: { code: 'CONFLICT' },
    });

    const asked = await request(s.agent.socket, 'cobrowse:control-request', { sessionId });
    expect(asked).toMatchObject({ ok: true, result: { control: 'requested', controller: { id: 'agent1' } } });
    // unanswered, it lapses
    const since = s.taxpayer.log.mark();
    await s.taxpayer.log.next<CobrowseState>('cobrowse:state', (st) => st.control === 'none', 5000, since);

    await request(s.agent.socket, 'cobrowse:control-request', { sessionId });
    expect(await request(s.agent.socket, 'cobrowse:control-input', click)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await request(s.taxpayer.socket, 'cobrowse:control-answer', { sessionId, grant: true, requesterId: 'agent1' })).toMatchObject({
      ok: true,
      result: { control: 'granted' },
    });
    const arrived = s.taxpayer.log.next<{ input: { action: string } }>('cobrowse:control-input');
    expect(await request(s.agent.socket, 'cobrowse:control-input', click)).toEqual({ ok: true, result: {} });
    expect((await arrived).input.action).toBe('click');
    // the taxpayer's page refused it: the agent is told why, and the recording says which input it was
    expect(await rawRequest(s.taxpayer.socket, 'cobrowse:control-refused', { sessionId, reason: 'no-control' })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(await rawRequest(s.taxpayer.socket, 'cobrowse:control-refused', { sessionId, reason: 'no-control', action: 'paste', nodeId: 2 })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED' },
    });
    const told = s.agent.log.next<{ reason: string }>('cobrowse:control-refused');
    expect(await request(s.taxpayer.socket, 'cobrowse:control-refused', { sessionId, reason: 'no-control', action: 'click', nodeId: 2 })).toEqual({ ok: true, result: {} });
    expect((await told).reason).toBe('no-control');

    expect(await request(s.taxpayer.socket, 'cobrowse:control-stop', { sessionId })).toMatchObject({ ok: true, result: { control: 'none' } });
    expect(await request(s.agent.socket, 'cobrowse:control-input', click)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('lets only one agent control at a time', async () => {
    const sessionId = s.sessionId;
    const expert = await connectSocket(t.url, await t.staffToken('expert1', DEV_PASSWORDS.expert1));
    const offers: { offerId: string }[] = [];
    expert.on('offer:new', (offer: { offerId: string }) => offers.push(offer));
    await request(expert, 'agent:status', { status: 'available' });
    await request(s.agent.socket, 'session:escalate', { sessionId, note: '需要专家' });
    await expect.poll(() => offers.length).toBe(1);
    expect(await request(expert, 'offer:accept', { offerId: offers[0]!.offerId })).toMatchObject({ ok: true });
    // agent1 stays in the session (warm hand-over) and takes control first
    await request(s.agent.socket, 'cobrowse:control-request', { sessionId });
    await request(s.taxpayer.socket, 'cobrowse:control-answer', { sessionId, grant: true, requesterId: 'agent1' });
    expect(await request(expert, 'cobrowse:control-request', { sessionId })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    expect(await request(expert, 'cobrowse:control-input', { sessionId, input: { action: 'click', nodeId: 2 } })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await request(expert, 'cobrowse:control-stop', { sessionId })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    await request(s.agent.socket, 'cobrowse:control-stop', { sessionId });
    expect(await request(expert, 'cobrowse:control-request', { sessionId })).toMatchObject({ ok: true, result: { control: 'requested', controller: { id: 'expert1' } } });
    expert.close();
  });

  it('stops flooding an agent whose connection fell behind, and resyncs it from the latest snapshot when it drained', async () => {
    const sessionId = s.sessionId;
    const slow = await connectSocket(t.url, await t.staffToken('super1', DEV_PASSWORDS.super1));
    await request(slow, 'supervisor:observe', { sessionId, mode: 'monitor' });
    await request(slow, 'cobrowse:watch', { sessionId });
    const received: { events: { type: number }[] }[] = [];
    slow.on('cobrowse:events', (e: { events: { type: number }[] }) => received.push(e));
    // the agent's machine stops reading: its TCP socket is paused
    const tcp = (slow.io.engine.transport as unknown as { ws: { _socket: { pause(): void; resume(): void } } }).ws._socket;
    tcp.pause();
    const big = (n: number) => ({ type: 3, data: { source: 0, texts: [{ id: 2, value: 'y'.repeat(60_000) }], attributes: [], removes: [], adds: [] }, timestamp: n });
    let seq = 100;
    await request(s.taxpayer.socket, 'cobrowse:events', { sessionId, seq: seq++, events: [meta(1), full(2, 'resync')] });
    for (let i = 0; i < 120; i++) await request(s.taxpayer.socket, 'cobrowse:events', { sessionId, seq: seq++, events: [big(i)] });
    tcp.resume();
    // what was queued before it fell behind drains; then the next batch brings a fresh mirror
    await new Promise((r) => setTimeout(r, 1000));
    const before = received.length;
    await request(s.taxpayer.socket, 'cobrowse:events', { sessionId, seq, events: [mutation(500)] });
    await expect.poll(() => received.length, { timeout: 10_000 }).toBeGreaterThan(before);
    // it got fewer than every batch, and was brought up to date with a snapshot (Meta + FullSnapshot)
    expect(received.length).toBeLessThan(122);
    expect(
      received
        .at(-1)!
        .events.slice(0, 2)
        .map((e) => e.type),
    ).toEqual([4, 2]);
    slow.close();
  });

  it('keeps the whole recording, readable page by page', async () => {
    const first = await request(s.agent.socket, 'cobrowse:recording', { sessionId: s.sessionId, limit: 3 });
    if (!first.ok) throw new Error(first.error.message);
    // pages hold whole compressed chunks: at least the limit, and a cursor to go on
    expect(first.result.entries.length).toBeGreaterThanOrEqual(3);
    expect(first.result.next).toBeDefined();
    const rest = await request(s.agent.socket, 'cobrowse:recording', { sessionId: s.sessionId, after: first.result.next, limit: 1000 });
    if (!rest.ok) throw new Error(rest.error.message);
    const kinds = [...first.result.entries, ...rest.result.entries].map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['state', 'rrweb', 'input', 'control-refused']));
    expect([...first.result.entries, ...rest.result.entries].find((e) => e.kind === 'control-refused')?.payload).toEqual({ reason: 'no-control', action: 'click', nodeId: 2 });
    expect(rest.result.next).toBeUndefined();
  });
});

describe('co-browsing buffers under abuse (real service, real Redis)', () => {
  const MAX_LIVE = 10;
  let t: TestService;
  let s: ActiveSession;
  let seq = 0;
  beforeAll(async () => {
    t = await startTestService({
      COBROWSE_MAX_LIVE_BATCHES: String(MAX_LIVE),
      COBROWSE_MAX_EVENTS_PER_S: '100000',
      COBROWSE_RECORDING_CHUNK_BYTES: '1024',
      COBROWSE_MAX_RECORDING_BYTES: '8192',
    });
    s = await activeSession(t, 'tp-flood', { username: 'agent1', password: DEV_PASSWORDS.agent1 }, 'text');
    await request(s.agent.socket, 'cobrowse:watch', { sessionId: s.sessionId });
    await request(s.taxpayer.socket, 'cobrowse:share', { sessionId: s.sessionId, sharing: true });
  });
  afterAll(async () => {
    s?.taxpayer.socket.close();
    s?.agent.socket.close();
    await t?.stop();
  });

  const send = (events: EventBatch['events']) => request(s.taxpayer.socket, 'cobrowse:events', { sessionId: s.sessionId, seq: seq++, events });
  const liveLength = () => t.service.redis.xLen(`cb:${s.sessionId}:live`);
  const watchLate = async () => {
    const late = await request(s.agent.socket, 'cobrowse:watch', { sessionId: s.sessionId });
    if (!late.ok) throw new Error(late.error.message);
    return late.result.events.map((e) => e.type);
  };

  it('keeps the live buffer within COBROWSE_MAX_LIVE_BATCHES under a flood of increments without snapshots', async () => {
    await send([meta(1), full(2)]);
    const wanted: boolean[] = [];
    for (let i = 0; i < 3 * MAX_LIVE; i++) {
      const ack = await send([mutation(10 + i)]);
      if (!ack.ok) throw new Error(ack.error.message);
      wanted.push(ack.result.snapshotWanted);
      expect(await liveLength()).toBeLessThanOrEqual(MAX_LIVE);
    }
    // the taxpayer was asked for a snapshot from the moment the buffer was full, every time after
    expect(wanted.indexOf(true)).toBe(MAX_LIVE - 1);
    expect(wanted.slice(MAX_LIVE - 1).every(Boolean)).toBe(true);
    // a late joiner gets no half mirror (a snapshot without what followed it) but waits for the next snapshot
    expect(await watchLate()).toEqual([]);
    // the agent already watching missed nothing
    await expect.poll(() => s.agent.log.of<{ events: { type: number }[] }>('cobrowse:events').flatMap((e) => e.events).length).toBe(2 + 3 * MAX_LIVE);
    await send([meta(100), full(101, 'fresh')]);
    expect(await watchLate()).toEqual([4, 2]);
  });

  it('stops recording a session at COBROWSE_MAX_RECORDING_BYTES, tells both sides once, and keeps the mirror going', async () => {
    const recordingStopped = (log: ActiveSession['agent']['log']) => log.of<{ code: string }>('cobrowse:error').filter((e) => e.code === 'RECORDING_LIMIT_REACHED');
    // incompressible text: every batch is a chunk of about 2 KB once stored
    const noisy = (n: number) => ({
      type: 3,
      data: { source: 0, texts: [{ id: 2, value: randomBytes(1500).toString('base64') }], attributes: [], removes: [], adds: [] },
      timestamp: n,
    });
    const taxpayerTold = s.taxpayer.log.next<{ code: string; message: string }>('cobrowse:error', (e) => e.code === 'RECORDING_LIMIT_REACHED');
    const agentTold = s.agent.log.next<{ code: string; message: string }>('cobrowse:error', (e) => e.code === 'RECORDING_LIMIT_REACHED');
    for (let i = 0; i < 8; i++) expect(await send([noisy(200 + i)])).toMatchObject({ ok: true });
    expect((await taxpayerTold).message).toContain('no longer recorded');
    await agentTold;

    const stored = await t.service.redis.hGet(`cb:${s.sessionId}`, 'recBytes');
    expect(Number(stored)).toBeLessThanOrEqual(8192);
    const recording = async () => {
      const page = await request(s.agent.socket, 'cobrowse:recording', { sessionId: s.sessionId, limit: 1000 });
      if (!page.ok) throw new Error(page.error.message);
      return page.result.entries;
    };
    const closed = await recording();
    expect(closed.at(-1)?.kind).toBe('recording-stopped');

    // more of everything: relayed live, not recorded, not announced again
    const before = s.agent.log.of<{ events: { type: number }[] }>('cobrowse:events').length;
    for (let i = 0; i < 4; i++) expect(await send([noisy(300 + i)])).toMatchObject({ ok: true });
    await request(s.agent.socket, 'cobrowse:annotate', { sessionId: s.sessionId, annotation: { kind: 'pointer', x: 1, y: 2 } });
    await expect.poll(() => s.agent.log.of('cobrowse:events').length).toBe(before + 4);
    expect((await recording()).length).toBe(closed.length);
    // a round trip on each socket: an event sent before it would have arrived
    await send([mutation(400)]);
    expect(recordingStopped(s.taxpayer.log)).toHaveLength(1);
    expect(recordingStopped(s.agent.log)).toHaveLength(1);
  });

  it("tells each relayed batch's place in the live buffer, and a watcher how far its buffer went: nothing is applied twice", async () => {
    const live = await activeSession(t, 'tp-cb-live-ids', { username: 'agent1', password: DEV_PASSWORDS.agent1 }, 'text');
    const { sessionId } = live;
    type Relayed = { events: { timestamp: number }[]; liveId?: string };
    const relayed = (timestamp: number) => live.agent.log.next<Relayed>('cobrowse:events', (e) => e.events.some((x) => x.timestamp === timestamp));
    await request(live.agent.socket, 'cobrowse:watch', { sessionId });
    await request(live.taxpayer.socket, 'cobrowse:share', { sessionId, sharing: true });
    const snapshot = relayed(2);
    await request(live.taxpayer.socket, 'cobrowse:events', { sessionId, seq: 0, events: [meta(1), full(2)] });
    const change = relayed(3);
    await request(live.taxpayer.socket, 'cobrowse:events', { sessionId, seq: 1, events: [mutation(3)] });
    const [first, second] = [(await snapshot).liveId, (await change).liveId];
    expect(first).toMatch(/^\d+-\d+$/);
    expect(second).toMatch(/^\d+-\d+$/);
    expect(second).not.toBe(first);

    // a watcher joining now has both batches, and is told so: relayed again, they would be skipped
    const supervisor = await connectSocket(t.url, await t.staffToken('super1', DEV_PASSWORDS.super1));
    await request(supervisor, 'supervisor:observe', { sessionId, mode: 'monitor' });
    const joined = await request(supervisor, 'cobrowse:watch', { sessionId });
    if (!joined.ok) throw new Error(joined.error.message);
    expect(joined.result.events.map((e) => e.timestamp)).toEqual([1, 2, 3]);
    expect(joined.result.liveId).toBe(second);
    // what follows reaches the watcher with its own, later place
    const next = new Promise<Relayed>((resolve) => supervisor.on('cobrowse:events', (e: Relayed) => e.events.some((x) => x.timestamp === 4) && resolve(e)));
    await request(live.taxpayer.socket, 'cobrowse:events', { sessionId, seq: 2, events: [mutation(4)] });
    const after = (await next).liveId!;
    expect(after.localeCompare(second!, undefined, { numeric: true })).toBe(1);
    supervisor.close();
    live.taxpayer.socket.close();
    live.agent.socket.close();
  });
});
