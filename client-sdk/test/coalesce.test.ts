import { describe, expect, it } from 'vitest';
import { coalesce } from '../src/cobrowse/recorder.js';

const move = (x: number) => ({ type: 3, data: { source: 1, positions: [{ x, y: 0, id: 1, timeOffset: 0 }] }, timestamp: x });
const scroll = (id: number, y: number) => ({ type: 3, data: { source: 3, id, x: 0, y }, timestamp: y });
const input = (id: number, text: string) => ({ type: 3, data: { source: 5, id, text }, timestamp: 0 });
const mutation = (n: number) => ({ type: 3, data: { source: 0, adds: [], removes: [], texts: [{ id: n, value: 'x' }], attributes: [] }, timestamp: n });

describe('coalescing a congested queue', () => {
  it('keeps the latest mouse position, scroll and input per target, and every mutation', () => {
    const events = [move(1), mutation(1), scroll(5, 10), input(7, 'a'), move(2), scroll(5, 20), scroll(6, 1), input(7, 'ab'), mutation(2), move(3)];
    expect(coalesce(events)).toEqual([mutation(1), scroll(5, 20), scroll(6, 1), input(7, 'ab'), mutation(2), move(3)]);
  });

  it('never drops snapshots or other events', () => {
    const events = [
      { type: 4, data: {}, timestamp: 0 },
      { type: 2, data: {}, timestamp: 0 },
      { type: 5, data: { tag: 'etax:alive' }, timestamp: 0 },
    ];
    expect(coalesce(events)).toEqual(events);
  });
});
