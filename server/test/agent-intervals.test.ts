import { describe, expect, it } from 'vitest';
import { agentTimes, type ActivityPoint } from '../src/reports/agent-intervals.js';

const MIN = 60_000;
/** A fake clock: minutes after a fixed instant. */
const T0 = Date.UTC(2025, 2, 3, 1, 0, 0);
const at = (minutes: number) => T0 + minutes * MIN;
const point = (minutes: number, status: ActivityPoint['status'], load = 0, wrap = false): ActivityPoint => ({ at: at(minutes), status, wrap, load });
const inMinutes = (ms: number) => ms / MIN;

describe('an agent’s times over a range (the activity cut into intervals)', () => {
  it('counts each state until the next point, and the last one until the end', () => {
    const times = agentTimes(
      [
        point(0, 'available'),
        point(10, 'available', 1),
        point(30, 'available', 0, true),
        point(35, 'available'),
        point(50, 'away'),
        point(55, 'back-office'),
        point(60, 'offline'),
      ],
      at(0),
      at(90),
    );
    // back office is signed in, and not available
    expect(inMinutes(times.loggedIn)).toBe(60);
    expect(Object.fromEntries(Object.entries(times.status).map(([s, ms]) => [s, inMinutes(ms)]))).toEqual({ available: 50, 'back-office': 5, away: 5, offline: 30 });
    expect(inMinutes(times.inSession)).toBe(20);
    expect(inMinutes(times.wrapUp)).toBe(5);
    expect(inMinutes(times.available)).toBe(50);
    expect(inMinutes(times.occupied)).toBe(25);
  });

  it('takes the state the range begins in from the point before it, and cuts it at the start', () => {
    const times = agentTimes([point(-120, 'available', 2), point(15, 'away')], at(0), at(60));
    expect(inMinutes(times.inSession)).toBe(15);
    expect(inMinutes(times.status.available)).toBe(15);
    expect(inMinutes(times.status.away)).toBe(45);
  });

  it('cuts at the end: an agent still signed in counts up to it, points at or after it count for nothing', () => {
    const times = agentTimes([point(0, 'available'), point(60, 'offline'), point(70, 'available')], at(30), at(60));
    expect(inMinutes(times.loggedIn)).toBe(30);
    expect(times.status.offline).toBe(0);
  });

  it('an agent signed off all through the range, or a range of no length, has no time', () => {
    expect(agentTimes([point(-10, 'offline')], at(0), at(60)).loggedIn).toBe(0);
    expect(agentTimes([point(0, 'available')], at(60), at(60)).loggedIn).toBe(0);
    expect(agentTimes([], at(0), at(60)).loggedIn).toBe(0);
  });

  it('two points at the same instant: the later one holds, the first lasts nothing', () => {
    const times = agentTimes([point(0, 'available', 1), point(0, 'available', 0), point(10, 'away')], at(0), at(20));
    expect(times.inSession).toBe(0);
    expect(inMinutes(times.available)).toBe(10);
  });

  it('a load while away is in session but not occupancy (which is of the time available)', () => {
    const times = agentTimes([point(0, 'away', 1), point(10, 'available', 1), point(20, 'available', 0)], at(0), at(40));
    expect(inMinutes(times.inSession)).toBe(20);
    expect(inMinutes(times.occupied)).toBe(10);
    expect(inMinutes(times.available)).toBe(30);
  });
});
