import { describe, expect, it } from 'vitest';
import { agentWellbeing } from '../src/dispatcher/agent-wellbeing.js';

const LIMITS = { breakMinS: 300, maxConsecutiveSessions: 3 };
const NOW = 1_000_000_000;

describe('what people are told of an agent’s breaks', () => {
  it('counts the sessions and the time since the last break; nothing is due below the cap', () => {
    expect(agentWellbeing({ status: 'available', streak: '2', restedAt: String(NOW - 95_400) }, LIMITS, NOW)).toEqual({
      sessionsSinceBreak: 2,
      sinceBreakS: 95,
      breakDue: undefined,
    });
  });

  it('at the cap the whole break is due while available, and counts down while away, never below 0', () => {
    expect(agentWellbeing({ status: 'available', streak: '3', restedAt: '0' }, LIMITS, NOW).breakDue).toEqual({ leftS: 300 });
    expect(agentWellbeing({ status: 'away', streak: '3', awayAt: String(NOW - 120_500) }, LIMITS, NOW).breakDue).toEqual({ leftS: 180 });
    expect(agentWellbeing({ status: 'away', streak: '3', awayAt: String(NOW - 400_000) }, LIMITS, NOW).breakDue).toEqual({ leftS: 0 });
  });

  it('signed off or never signed in: no time since a break; no cap: never due', () => {
    expect(agentWellbeing({ status: 'offline', streak: '3', restedAt: '0' }, LIMITS, NOW).sinceBreakS).toBeNull();
    expect(agentWellbeing({}, LIMITS, NOW)).toEqual({ sessionsSinceBreak: 0, sinceBreakS: null, breakDue: undefined });
    expect(agentWellbeing({ status: 'available', streak: '50' }, { ...LIMITS, maxConsecutiveSessions: 0 }, NOW).breakDue).toBeUndefined();
  });
});
