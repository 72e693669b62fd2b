/** Redis keys of the dispatcher that TypeScript reads (the Lua script owns the writes). */
export const dispatchKeys = {
  config: 'dp:config',
  agent: (id: string) => `dp:agent:${id}`,
  agents: 'dp:agents',
  agentSessions: (id: string) => `dp:agent:${id}:sessions`,
  /** Offers made to the agent and not closed yet (`session:seq`). */
  agentOffers: (id: string) => `dp:agent:${id}:offers`,
  /** Sessions the agent ended and is still wrapping up. */
  agentWrapUps: (id: string) => `dp:agent:${id}:wrapups`,
  queue: (skill: string) => `dp:q:${skill}`,
  /** Agents on duty (available: idle, busy or wrapping up) with the skill. */
  staff: (skill: string) => `dp:staff:${skill}`,
  presence: 'dp:presence',
  active: 'dp:active',
  ended: 'dp:ended',
  handlingTimes: (queue: string) => `dp:stats:aht:${queue}`,
  answered: (queue: string) => `dp:stats:answered:${queue}`,
  abandoned: (queue: string) => `dp:stats:abandoned:${queue}`,
  day: (dayNumber: number) => `dp:stats:day:${dayNumber}`,
  metricsLeader: 'dp:metrics:leader',
  metricsSnapshot: 'dp:metrics:snapshot',
  metricsTrend: 'dp:metrics:trend',
  history: (taxpayerSub: string) => `taxpayer:${taxpayerSub}:history`,
};

/** Queue score bands are multiples of this; the remainder is the enqueue time in ms. */
export const BAND_WIDTH = 1e13;
