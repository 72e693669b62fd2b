import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, RECORDING_GAP, RecordingWriter } from '@etax-assist/server';
import { fillToMaxmemory, startTestRedis, type TestRedis } from '../harness/redis.js';

const RETRY_MAX_BYTES = 16 * 1024;
const ENTRY_BYTES = 1024;
/** A gap entry counts for this much in the bound (server/src/cobrowse/recording.ts). */
const GAP_BYTES = 64;

/**
 * The recording writer while Redis refuses its chunks (at maxmemory): what it holds for the
 * refused sessions stays within COBROWSE_RECORDING_RETRY_MAX_BYTES, the newest entries are
 * dropped (counted) and a gap entry stands for them; once Redis accepts again everything kept is
 * written, in order, and the buffer is empty.
 */
describe('the recording retry buffer (real redis-server at its maxmemory)', () => {
  let server: TestRedis;
  let redis: Awaited<ReturnType<typeof connectRedis>>;
  let writer: RecordingWriter;
  beforeAll(async () => {
    server = await startTestRedis('everysec', 16 * 1024 * 1024);
    redis = await connectRedis(server.url, pino({ level: 'silent' }), 'test-recording');
    // no periodic flush within the test: the test flushes
    writer = new RecordingWriter(
      redis,
      { flushMs: 600_000, maxChunkBytes: 4 * ENTRY_BYTES, maxBytes: 20 * 1024 * 1024, retryMaxBytes: RETRY_MAX_BYTES },
      () => {},
      pino({ level: 'silent' }),
    );
  });
  afterAll(async () => {
    await writer?.stop().catch(() => {});
    await redis?.close();
    await server?.stop();
  });

  const entry = (i: number) => ({ i, text: 'x'.repeat(ENTRY_BYTES - 20) });

  it('stays within its bound while Redis refuses, drops the newest, and drains when Redis accepts again', async () => {
    writer.append('s-one', 'rrweb', entry(0), 0, ENTRY_BYTES);
    writer.append('s-two', 'rrweb', entry(0), 0, ENTRY_BYTES);
    await Promise.all([writer.flush('s-one'), writer.flush('s-two')]);

    const free = await fillToMaxmemory(redis);
    // the fault happened: Redis refuses a plain write at its limit
    await expect(redis.set('test:probe', '1')).rejects.toThrow(/^OOM command not allowed/);

    let most = 0;
    for (let i = 1; i <= 60; i++) {
      for (const session of ['s-one', 's-two']) writer.append(session, 'rrweb', entry(i), i, ENTRY_BYTES);
      if (i % 5 === 0) {
        for (const session of ['s-one', 's-two']) await expect(writer.flush(session)).rejects.toThrow(/^OOM /);
        most = Math.max(most, writer.retryBytes);
      }
    }
    // one gap entry per session may come on top of the entries held
    expect(most).toBeGreaterThan(RETRY_MAX_BYTES / 2);
    expect(most).toBeLessThanOrEqual(RETRY_MAX_BYTES + 2 * GAP_BYTES);
    const dropped = writer.droppedEntries;
    expect(dropped).toBeGreaterThan(60);

    await free();
    await Promise.all([writer.flush('s-one'), writer.flush('s-two')]);
    expect(writer.retryBytes).toBe(0);
    // accepted again, entries are recorded as before
    writer.append('s-one', 'rrweb', entry(61), 61, ENTRY_BYTES);
    await writer.flush('s-one');

    // each recording: the oldest entries in order, then the gap standing for the newest dropped, then what came after
    let kept = 0;
    let missing = 0;
    for (const session of ['s-one', 's-two']) {
      const { entries } = await writer.read(session, undefined, 1000);
      const gaps = entries.filter((e) => e.kind === RECORDING_GAP);
      const numbers = entries.filter((e) => e.kind === 'rrweb').map((e) => (e.payload as { i: number }).i);
      const held = numbers.filter((i) => i <= 60);
      expect(held).toEqual(held.map((_, index) => index));
      expect(gaps).toHaveLength(1);
      const gap = gaps[0]!.payload as { entries: number; from: number; to: number };
      expect(gap).toEqual({ entries: 60 - (held.length - 1), from: held.length, to: 60 });
      expect(entries.findIndex((e) => e.kind === RECORDING_GAP)).toBe(held.length);
      if (session === 's-one') expect(numbers.at(-1)).toBe(61);
      kept += held.length - 1;
      missing += gap.entries;
    }
    expect(kept + missing).toBe(120);
    expect(missing).toBe(dropped);
  });
});
