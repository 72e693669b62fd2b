import { describe, expect, it } from 'vitest';
import { averageSpeedOfAnswerS, serversNeeded, serviceLevel, waitProbability } from '../src/forecast/erlang-c.js';
import { forecastQueue } from '../src/forecast/queue-forecast.js';

// Published values: the Erlang C table for 10 erlangs, and the worked example most call-centre
// texts use (100 calls in 30 minutes, 180 s handling, 80% answered within 20 s → 14 agents,
// 88.8% within 20 s, 7.8 s average speed of answer; 13 agents give 79.6%).
describe('Erlang C', () => {
  it('gives the probability of waiting of the published tables', () => {
    expect(waitProbability(3, 2)).toBeCloseTo(4 / 9, 12);
    expect([11, 12, 13, 14, 15].map((n) => Number(waitProbability(n, 10).toFixed(4)))).toEqual([0.6821, 0.4494, 0.2853, 0.1741, 0.102]);
  });

  it('gives the worked example: service level, speed of answer and the agents needed', () => {
    const traffic = (100 / 1800) * 180;
    expect(serviceLevel(13, traffic, 180, 20)).toBeCloseTo(0.7956, 4);
    expect(serviceLevel(14, traffic, 180, 20)).toBeCloseTo(0.8884, 4);
    expect(averageSpeedOfAnswerS(14, traffic, 180)).toBeCloseTo(7.8, 1);
    expect(serversNeeded(100 / 1800, 180, 20, 0.8, 100)).toEqual({ servers: 14, serviceLevel: expect.closeTo(0.8884, 4), trafficErlangs: expect.closeTo(10, 9) });
  });

  it('stays finite for a large pool, and says when no pool within the limit is enough', () => {
    // 200 erlangs: A^N/N! alone would overflow a double
    const large = serversNeeded(2, 100, 20, 0.8, 1000);
    expect(large.servers).toBeGreaterThan(200);
    expect(large.servers).toBeLessThan(230);
    expect(serviceLevel(large.servers!, 200, 100, 20)).toBeGreaterThanOrEqual(0.8);
    expect(serviceLevel(large.servers! - 1, 200, 100, 20)).toBeLessThan(0.8);
    expect(serversNeeded(2, 100, 20, 0.8, 150)).toEqual({ servers: undefined, serviceLevel: 0, trafficErlangs: 200 });
  });

  it('needs nobody without arrivals, and cannot serve traffic at or above the pool', () => {
    expect(serversNeeded(0, 180, 20, 0.8, 10)).toEqual({ servers: 0, serviceLevel: 1, trafficErlangs: 0 });
    expect(waitProbability(10, 10)).toBe(1);
    expect(serviceLevel(10, 12, 180, 20)).toBe(0);
    expect(averageSpeedOfAnswerS(10, 10, 180)).toBe(Infinity);
  });
});

describe('a queue forecast', () => {
  const inputs = { arrivals: 50, windowS: 900, handlingS: 180, targetS: 20, targetPct: 80, sessionsPerAgent: 1 };

  it('turns the window into the worked example: 200 an hour at 180 s is 10 erlangs, 14 agents for 80/20', () => {
    const forecast = forecastQueue({ ...inputs, arrivals: 50, windowS: 900 }, 100);
    expect(forecast).toMatchObject({ arrivalsPerHour: 200, trafficErlangs: 10, agentsNeeded: 14, serviceLevelPct: 88.8 });
  });

  it('shares the sessions among agents who each carry several, and says when no pool in reach is enough', () => {
    // 14 sessions at once, three per agent: 5 agents
    expect(forecastQueue({ ...inputs, sessionsPerAgent: 3 }, 100).agentsNeeded).toBe(5);
    expect(forecastQueue(inputs, 12).agentsNeeded).toBeNull();
    expect(forecastQueue({ ...inputs, arrivals: 0 }, 100)).toMatchObject({ arrivalsPerHour: 0, trafficErlangs: 0, agentsNeeded: 0, serviceLevelPct: 100 });
  });
});
