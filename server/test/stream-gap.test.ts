import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { AdapterStreamWatch, compareStreamIds, type StreamBounds } from '../src/cluster/stream-gap.js';

const silent = pino({ level: 'silent' });
/** Lets the watch's end-of-read microtask and its check run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

/** A watch over a fake stream whose bounds the test sets; the reads it saw, the gaps and catch-ups it reported. */
function watchOver(initial: StreamBounds) {
  let bounds: StreamBounds | Error = initial;
  let checks = 0;
  const watch = new AdapterStreamWatch(async () => {
    checks++;
    if (bounds instanceof Error) throw bounds;
    return bounds;
  }, silent);
  const gaps: unknown[] = [];
  let caughtUp = 0;
  watch.on('gap', (gap) => gaps.push(gap));
  watch.on('caught-up', () => caughtUp++);
  return {
    watch,
    gaps,
    caughtUp: () => caughtUp,
    checks: () => checks,
    setBounds(next: StreamBounds | Error) {
      bounds = next;
    },
    /** One XREAD reply: its entries handled in one synchronous run. */
    async read(...ids: string[]) {
      for (const id of ids) watch.observe(id);
      await settle();
    },
  };
}

describe('the adapter stream watch', () => {
  it('orders stream ids by time, then sequence', () => {
    expect(compareStreamIds('10-2', '9-5')).toBeGreaterThan(0);
    expect(compareStreamIds('10-2', '10-10')).toBeLessThan(0);
    expect(compareStreamIds('1796155822954-16', '1796155822954-16')).toBe(0);
  });

  it('reports nothing while the entry read before each read is still in the stream', async () => {
    const s = watchOver({ first: '1-0', last: '5-0' });
    await s.read('1-0', '2-0');
    await s.read('3-0');
    await s.read('4-0', '5-0');
    expect(s.gaps).toEqual([]);
    expect(s.caughtUp()).toBe(0);
    // the first read has nothing before it to check
    expect(s.checks()).toBe(2);
  });

  it('reports a gap when the stream was trimmed past the last entry read, and catches up once read to where the stream then ended', async () => {
    const s = watchOver({ first: '1-0', last: '2-0' });
    await s.read('1-0', '2-0');
    // paused: entries 3..9 were added and 3..6 trimmed away unread
    s.setBounds({ first: '7-0', last: '9-0' });
    await s.read('7-0');
    expect(s.gaps).toEqual([{ lastRead: '2-0', firstKept: '7-0', streamEnd: '9-0' }]);
    // what is still in the stream up to 9-0 is read before the clients are resynchronised
    expect(s.caughtUp()).toBe(0);
    await s.read('8-0', '9-0');
    expect(s.caughtUp()).toBe(1);
    await s.read('10-0');
    expect(s.caughtUp()).toBe(1);
  });

  it('checks again with the next read when a check fails, from the same entry', async () => {
    const s = watchOver({ first: '1-0', last: '1-0' });
    await s.read('1-0');
    s.setBounds(new Error('redis away'));
    await s.read('5-0');
    expect(s.gaps).toEqual([]);
    s.setBounds({ first: '4-0', last: '6-0' });
    await s.read('6-0');
    // the read of 5-0 followed 1-0, which was trimmed meanwhile: that is the gap found
    expect(s.gaps).toEqual([{ lastRead: '1-0', firstKept: '4-0', streamEnd: '6-0' }]);
    expect(s.caughtUp()).toBe(1);
  });
});
