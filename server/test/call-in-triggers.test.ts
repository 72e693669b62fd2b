import { describe, expect, it } from 'vitest';
import type { QueueMetrics } from '@etax-assist/protocol';
import { callInRound } from '../src/dispatcher/call-in-triggers.js';

const queue = (waiting: number, longestWaitS: number, agentsNeeded: number | null, onDuty: number): QueueMetrics => ({
  queue: 'zh:invoice:frontline',
  language: 'zh',
  topic: 'invoice',
  tier: 'frontline',
  waiting,
  longestWaitS,
  averageWaitS: 0,
  serviceLevelPct: null,
  answered: 0,
  abandoned: 0,
  forecast: { arrivalsPerHour: 0, handlingS: 300, trafficErlangs: 0, targetPct: 80, agentsNeeded, onDuty },
});

const limits = { gapAgents: 2, longestWaitS: 120 };

describe('when a queue calls back-office agents in', () => {
  it('calls in as many as the gap once it reaches the threshold', () => {
    expect(callInRound(queue(3, 10, 5, 3), limits, 1000)).toEqual({ queue: 'zh:invoice:frontline', trigger: 'gap', gap: 2, waitS: 10, want: 2 });
    expect(callInRound(queue(3, 10, 4, 3), limits, 1000)).toBeUndefined();
  });

  it('calls one in for a long wait without a gap, and names the gap when both hold', () => {
    expect(callInRound(queue(1, 120, 1, 1), limits, 1000)).toEqual({ queue: 'zh:invoice:frontline', trigger: 'wait', gap: 0, waitS: 120, want: 1 });
    expect(callInRound(queue(1, 119, 1, 1), limits, 1000)).toBeUndefined();
    expect(callInRound(queue(4, 300, 6, 1), limits, 1000)).toMatchObject({ trigger: 'gap', want: 5 });
  });

  it('counts a queue beyond the forecast limit as needing one more than the limit', () => {
    expect(callInRound(queue(9, 0, null, 2), limits, 10)).toMatchObject({ trigger: 'gap', gap: 9, want: 9 });
  });

  it('calls nobody in for a queue nobody waits in, and not for a threshold of 0', () => {
    expect(callInRound(queue(0, 0, 8, 0), limits, 1000)).toBeUndefined();
    expect(callInRound(queue(2, 999, 9, 0), { gapAgents: 0, longestWaitS: 0 }, 1000)).toBeUndefined();
  });
});
