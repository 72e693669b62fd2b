import type { QueueMetrics } from '@etax-assist/protocol';
import type { CallInConfig } from '../config/env.js';

/** An automatic round of call-ins for one queue: why, and how many agents it should have open. */
export interface CallInRound {
  queue: string;
  trigger: 'gap' | 'wait';
  /** Agents needed − on duty (a queue beyond the forecast's limit: the limit + 1 − on duty). */
  gap: number;
  waitS: number;
  /** Call-ins the queue should have open: as many as the gap, at least one for a long wait. */
  want: number;
}

/**
 * Whether a queue's live figures call for back-office agents (docs/dispatcher.md, "Call-ins"): its
 * forecast gap at `gapAgents` or more, or its longest wait at `longestWaitS` or more (a threshold
 * of 0 is off). The gap is the stronger reason and is named when both hold. A queue nobody waits
 * in calls no one in, whatever the forecast says of the last window.
 */
export function callInRound(queue: QueueMetrics, limits: Pick<CallInConfig, 'gapAgents' | 'longestWaitS'>, forecastMaxAgents: number): CallInRound | undefined {
  if (queue.waiting === 0) return undefined;
  const { agentsNeeded, onDuty } = queue.forecast;
  const gap = (agentsNeeded ?? forecastMaxAgents + 1) - onDuty;
  const byGap = limits.gapAgents > 0 && gap >= limits.gapAgents;
  const byWait = limits.longestWaitS > 0 && queue.longestWaitS >= limits.longestWaitS;
  if (!byGap && !byWait) return undefined;
  return { queue: queue.queue, trigger: byGap ? 'gap' : 'wait', gap, waitS: queue.longestWaitS, want: Math.max(gap, 1) };
}
