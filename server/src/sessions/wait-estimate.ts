/**
 * Expected wait of the taxpayer at `position` (1 = next): the sessions ahead are shared among
 * the agents on duty for the request (available, not away or offline), each serving
 * `sessionsPerAgent` at once for `handlingS` on average. Unknown (undefined) while nobody is on
 * duty: no figure would be true then.
 */
export function estimateWaitS(position: number, onDuty: number, sessionsPerAgent: number, handlingS: number): number | undefined {
  if (onDuty <= 0) return undefined;
  const servers = onDuty * Math.max(1, sessionsPerAgent);
  return Math.round((position / servers) * handlingS);
}

/** Average of recent handling times (ms, newest first), or the configured default. */
export function averageHandlingS(recentMs: readonly string[], defaultS: number): number {
  const values = recentMs.map(Number).filter((v) => Number.isFinite(v) && v > 0);
  if (values.length === 0) return defaultS;
  return values.reduce((sum, v) => sum + v, 0) / values.length / 1000;
}
