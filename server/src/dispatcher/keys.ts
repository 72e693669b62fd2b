/**
 * Redis keys of the dispatcher, written here only: TypeScript reads them, and the Lua script
 * (which owns the writes) is handed them as `key.<name>` when it is loaded (script.ts).
 */
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
  /** Routable agents with the skill, scored by the time they became idle: `full` (nothing assigned) or `part` (capacity left). */
  index: (skill: string, kind: string) => `dp:idx:${skill}:${kind}`,
  /** Agents on duty (available: idle, busy or wrapping up) with the skill. */
  staff: (skill: string) => `dp:staff:${skill}`,
  presence: 'dp:presence',
  /** Agents in back office with the skill, scored by when they went there (call-ins look for them here). */
  backOffice: (skill: string) => `dp:bo:${skill}`,
  /** A call-in (server/lua/dispatch/call-in-commands.lua), the sequence of their ids, the open ones by expiry. */
  callIn: (id: string) => `dp:callin:${id}`,
  callInSeq: 'dp:callin:seq',
  callInDeadlines: 'dp:callins',
  /** The agent's open call-in (its id), and when it was called in automatically (the hourly limit). */
  agentCallIn: (id: string) => `dp:agent:${id}:callin`,
  agentCallInTimes: (id: string) => `dp:agent:${id}:callin-times`,
  /** A queue's open call-ins, and its cool-down after an automatic round. */
  queueCallIns: (skill: string) => `dp:callins:q:${skill}`,
  queueCallInCooldown: (skill: string) => `dp:callins:cool:${skill}`,
  /** Deadlines (sorted sets scored by when they are due), handled by the sweep. */
  offerDeadlines: 'dp:offers',
  taxpayerGraceDeadlines: 'dp:tp-gone',
  /** Agents whose wrap-up ends. */
  wrapUpDeadlines: 'dp:wrapups',
  wideningDeadlines: 'dp:widen',
  active: 'dp:active',
  ended: 'dp:ended',
  handlingTimes: (queue: string) => `dp:stats:aht:${queue}`,
  answered: (queue: string) => `dp:stats:answered:${queue}`,
  abandoned: (queue: string) => `dp:stats:abandoned:${queue}`,
  day: (dayNumber: number) => `dp:stats:day:${dayNumber}`,
  metricsLeader: 'dp:metrics:leader',
  metricsSnapshot: 'dp:metrics:snapshot',
  metricsTrend: 'dp:metrics:trend',
};

/** Queue score bands are multiples of this; the remainder is the enqueue time in ms. */
export const BAND_WIDTH = 1e13;
