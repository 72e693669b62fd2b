import type { DispatchConfig } from '../config/env.js';

/** The fields of an agent's hash (`dp:agent:{id}`) its breaks are read from (server/lua/dispatch/agents.lua). */
export interface BreakFields {
  status?: string;
  /** Sessions taken since the last break (or sign-in). */
  streak?: string;
  /** Ms: when the last break ended, or the agent signed in. */
  restedAt?: string;
  /** Ms: since when the agent is away. */
  awayAt?: string;
}

/** What the dashboard and the agent's console show of an agent's breaks (docs/dispatcher.md, "Breaks"). */
export interface AgentWellbeing {
  sessionsSinceBreak: number;
  /** null while signed off. */
  sinceBreakS: number | null;
  /** DISPATCH_MAX_CONSECUTIVE_SESSIONS reached: no new offer until a break; how long the break still has to last. */
  breakDue: { leftS: number } | undefined;
}

/**
 * An agent's breaks as of `now` (ms). The script enforces the cap (an agent at it leaves the
 * routing index); this says so to people, from the same fields.
 */
export function agentWellbeing(fields: BreakFields, limits: Pick<DispatchConfig, 'breakMinS' | 'maxConsecutiveSessions'>, now: number): AgentWellbeing {
  const status = fields.status ?? 'offline';
  const streak = Number(fields.streak ?? 0);
  const restedAt = fields.restedAt === undefined ? undefined : Number(fields.restedAt);
  const due = limits.maxConsecutiveSessions > 0 && streak >= limits.maxConsecutiveSessions;
  const awayMs = status === 'away' && fields.awayAt !== undefined ? now - Number(fields.awayAt) : 0;
  return {
    sessionsSinceBreak: streak,
    sinceBreakS: status === 'offline' || restedAt === undefined ? null : Math.max(0, Math.round((now - restedAt) / 1000)),
    breakDue: due ? { leftS: Math.max(0, Math.ceil(limits.breakMinS - awayMs / 1000)) } : undefined,
  };
}
