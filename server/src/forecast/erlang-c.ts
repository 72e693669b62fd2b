/**
 * Erlang C: the queue of a pool of identical servers with Poisson arrivals and exponential
 * handling times, where nobody abandons (M/M/N). Traffic is in erlangs: arrivals per second
 * times the mean handling time in seconds.
 */

/**
 * The probability that an arrival waits, with `servers` agents and `traffic` erlangs; 1 when the
 * pool cannot keep up (traffic ≥ servers). Computed through the Erlang B recursion, which stays
 * finite where A^N/N! overflows.
 */
export function waitProbability(servers: number, traffic: number): number {
  if (traffic <= 0) return 0;
  if (servers <= traffic) return 1;
  let blocking = 1;
  for (let n = 1; n <= servers; n++) blocking = (traffic * blocking) / (n + traffic * blocking);
  return (servers * blocking) / (servers - traffic * (1 - blocking));
}

/** The share of arrivals answered within `targetS`. */
export function serviceLevel(servers: number, traffic: number, handlingS: number, targetS: number): number {
  if (traffic <= 0) return 1;
  if (servers <= traffic) return 0;
  return 1 - waitProbability(servers, traffic) * Math.exp((-(servers - traffic) * targetS) / handlingS);
}

/** The mean wait of all arrivals (answered at once included), in seconds. */
export function averageSpeedOfAnswerS(servers: number, traffic: number, handlingS: number): number {
  if (servers <= traffic) return Infinity;
  return (waitProbability(servers, traffic) * handlingS) / (servers - traffic);
}

export interface StaffingNeed {
  /** The fewest servers that meet the target, or undefined when more than `maxServers` would be needed. */
  servers: number | undefined;
  /** The service level those servers give (or `maxServers` give, when that is not enough). */
  serviceLevel: number;
  trafficErlangs: number;
}

/**
 * The fewest servers that answer `targetShare` (0–1) of arrivals within `targetS`, given
 * arrivals per second and the mean handling time. Searched upwards from the traffic, which
 * no fewer servers can carry.
 */
export function serversNeeded(arrivalsPerS: number, handlingS: number, targetS: number, targetShare: number, maxServers: number): StaffingNeed {
  const traffic = arrivalsPerS * handlingS;
  if (traffic <= 0) return { servers: 0, serviceLevel: 1, trafficErlangs: 0 };
  let level = 0;
  for (let servers = Math.max(1, Math.floor(traffic) + 1); servers <= maxServers; servers++) {
    level = serviceLevel(servers, traffic, handlingS, targetS);
    if (level >= targetShare) return { servers, serviceLevel: level, trafficErlangs: traffic };
  }
  return { servers: undefined, serviceLevel: level, trafficErlangs: traffic };
}
