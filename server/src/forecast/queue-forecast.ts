import { serversNeeded } from './erlang-c.js';

/** What a queue's staffing forecast is computed from: the last window's figures, shown with it. */
export interface ForecastInputs {
  /** Requests that arrived in the window: answered, abandoned, and still waiting. */
  arrivals: number;
  windowS: number;
  /** Mean handling time of the queue's recent sessions (or the configured default). */
  handlingS: number;
  /** The service-level target: `targetPct` % answered within `targetS`. */
  targetS: number;
  targetPct: number;
  /** Sessions one agent serves at once on average (text sessions share an agent; calls do not). */
  sessionsPerAgent: number;
}

export interface QueueForecast {
  inputs: ForecastInputs;
  /** Arrivals per hour, and the offered load in erlangs (sessions in progress at once). */
  arrivalsPerHour: number;
  trafficErlangs: number;
  /** Agents needed now to meet the target; null when more than `maxAgents` would be. */
  agentsNeeded: number | null;
  /** The service level those agents give, in %. */
  serviceLevelPct: number;
}

/**
 * Erlang C for one queue: the sessions it must carry at once to answer `targetPct` % within the
 * target, shared among agents who each carry `sessionsPerAgent`. Erlang C assumes that nobody
 * abandons and that arrivals keep the window's rate (docs/dispatcher.md, "Staffing forecast").
 */
export function forecastQueue(inputs: ForecastInputs, maxAgents: number): QueueForecast {
  const perAgent = Math.max(1, inputs.sessionsPerAgent);
  const need = serversNeeded(inputs.arrivals / inputs.windowS, inputs.handlingS, inputs.targetS, inputs.targetPct / 100, Math.ceil(maxAgents * perAgent));
  return {
    inputs,
    arrivalsPerHour: Math.round((inputs.arrivals / inputs.windowS) * 3600 * 10) / 10,
    trafficErlangs: Math.round(need.trafficErlangs * 100) / 100,
    agentsNeeded: need.servers === undefined ? null : Math.ceil(need.servers / perAgent),
    serviceLevelPct: Math.round(need.serviceLevel * 1000) / 10,
  };
}
