import { AGENT_STATUSES, type AgentStatus } from '@etax-assist/protocol';

/** An agent's state from `at` (ms since the epoch) until its next point: a row of agent_activity. */
export interface ActivityPoint {
  at: number;
  status: AgentStatus;
  wrap: boolean;
  load: number;
}

/** How long an agent spent in each state within a range, in ms. */
export interface AgentTimes {
  /** Any status but offline. */
  loggedIn: number;
  status: Record<AgentStatus, number>;
  /** Signed in with a load above 0 (a session or an offer). */
  inSession: number;
  /** Signed in with the wrap-up flag. */
  wrapUp: number;
  available: number;
  /** Available with a load above 0 or the wrap-up flag: occupancy's numerator. */
  occupied: number;
}

/**
 * The times of one agent within [start, end): each point holds until the next one (the last
 * until `end`: an agent still signed in counts up to it), cut at the range's edges. `points` are
 * in time order; the first may lie before `start` (the state the range begins in), points at or
 * after `end` count for nothing.
 */
export function agentTimes(points: readonly ActivityPoint[], start: number, end: number): AgentTimes {
  const times: AgentTimes = {
    loggedIn: 0,
    status: Object.fromEntries(AGENT_STATUSES.map((status) => [status, 0])) as Record<AgentStatus, number>,
    inSession: 0,
    wrapUp: 0,
    available: 0,
    occupied: 0,
  };
  points.forEach((point, i) => {
    const from = Math.max(point.at, start);
    const until = Math.min(points[i + 1]?.at ?? end, end);
    if (until <= from) return;
    const span = until - from;
    times.status[point.status] += span;
    if (point.status === 'offline') return;
    times.loggedIn += span;
    if (point.load > 0) times.inSession += span;
    if (point.wrap) times.wrapUp += span;
    if (point.status === 'available') {
      times.available += span;
      if (point.load > 0 || point.wrap) times.occupied += span;
    }
  });
  return times;
}
