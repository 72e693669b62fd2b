import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { PeriodicTask } from '../lifecycle/periodic-task.js';
import { TIERS, type AgentDisplayState, type Catalog, type QueueMetrics, type SupervisorMetrics } from '@etax-assist/protocol';
import type { PublishedCatalog } from '../catalog/live-catalog.js';
import type { DispatchConfig } from '../config/env.js';
import { agentWellbeing, type AgentWellbeing } from './agent-wellbeing.js';
import { readMediaStats } from '../media/stats-reporter.js';
import type { RedisClient } from '../redis/client.js';
import type { AppServer } from '../realtime/socket-server.js';
import { rooms } from '../realtime/rooms.js';
import { sessionKeys } from '../sessions/keys.js';
import { BAND_WIDTH, dispatchKeys } from './keys.js';
import { skillKey } from './skills.js';
import { readInstances } from '../cluster/instance-registry.js';
import { forecastQueue } from '../forecast/queue-forecast.js';
import { averageHandlingS } from '../sessions/wait-estimate.js';

const BANDS = [0, 1, 2];
/** Hours of one-a-minute samples kept for the dashboard's trend chart. */
const TREND_HOURS = 8;
const TREND_EVERY_MS = 60_000;
const MAX_ACTIVE_ROWS = 500;

export function displayState(agent: Record<string, string>, capacity: number): AgentDisplayState {
  if (agent.status === 'offline' || !agent.status) return 'offline';
  if (agent.status === 'away') return 'away';
  if (agent.status === 'back-office') return 'back-office';
  if (agent.wrap === '1') return 'wrap-up';
  return Number(agent.load ?? 0) >= capacity ? 'busy' : 'available';
}

/** Average wait and share answered within the threshold, from "session|waitMs" members. */
export function answeredFigures(members: readonly string[], serviceLevelMs: number): { answered: number; averageWaitS: number; serviceLevelPct: number | null } {
  const waits = members.map((m) => Number(m.slice(m.lastIndexOf('|') + 1))).filter((w) => Number.isFinite(w));
  if (waits.length === 0) return { answered: 0, averageWaitS: 0, serviceLevelPct: null };
  const within = waits.filter((w) => w <= serviceLevelMs).length;
  return {
    answered: waits.length,
    averageWaitS: Math.round(waits.reduce((a, b) => a + b, 0) / waits.length / 100) / 10,
    serviceLevelPct: Math.round((within / waits.length) * 1000) / 10,
  };
}

/** An agent row's break figures. */
const breakFigures = ({ sessionsSinceBreak, sinceBreakS, breakDue }: AgentWellbeing) => ({ sessionsSinceBreak, sinceBreakS, breakDue: breakDue !== undefined });

/** The hall and kiosk of a session's entry (JSON), if a kiosk's: a session begun before entries carried ids is grouped under its hall's name. */
function kioskOf(entryJson: string | undefined): { hallId: string; kioskId: string } | undefined {
  const entry = JSON.parse(entryJson ?? '{}') as { kind?: string; hallId?: string; hall?: string; kioskId?: string };
  const hallId = entry.hallId ?? entry.hall;
  return entry.kind === 'kiosk' && hallId ? { hallId, kioskId: entry.kioskId ?? '' } : undefined;
}

/** Computes the live picture supervisors watch, from Redis (any instance can). */
export async function collectSupervisorMetrics(redis: RedisClient, config: DispatchConfig, catalog: Catalog, instanceTimeoutMs: number): Promise<SupervisorMetrics> {
  const now = Date.now();
  const windowMs = config.statsWindowS * 1000;
  const capacity = config.textSessionsPerAgent;

  const queueKeys = catalog.languages.flatMap(({ id: language }) =>
    catalog.topics.flatMap(({ id: topic }) => TIERS.map((tier) => ({ language, topic, tier, key: skillKey(language, topic, tier) }))),
  );
  const counted = await Promise.all(
    queueKeys.map(async ({ language, topic, tier, key }) => {
      const [waiting, heads, answered, abandoned, recentHandling] = await Promise.all([
        redis.zCard(dispatchKeys.queue(key)),
        Promise.all(
          BANDS.map((band) => redis.zRangeByScoreWithScores(dispatchKeys.queue(key), band * BAND_WIDTH, (band + 1) * BAND_WIDTH - 1, { LIMIT: { offset: 0, count: 1 } })),
        ),
        redis.zRangeByScore(dispatchKeys.answered(key), now - windowMs, '+inf'),
        redis.zCount(dispatchKeys.abandoned(key), now - windowMs, '+inf'),
        redis.lRange(dispatchKeys.handlingTimes(key), 0, -1),
      ]);
      const oldest = Math.min(...heads.flat().map((h) => h.score % BAND_WIDTH), now);
      return {
        queue: key,
        language,
        topic,
        tier,
        waiting,
        longestWaitS: Math.max(0, Math.round((now - oldest) / 1000)),
        ...answeredFigures(answered, catalog.serviceLevelS * 1000),
        abandoned,
        handlingS: averageHandlingS(recentHandling, config.defaultHandlingS),
      };
    }),
  );

  const agentIds = await redis.sMembers(dispatchKeys.agents);
  const agentFields = await Promise.all(agentIds.map((id) => redis.hGetAll(dispatchKeys.agent(id))));
  const agents = agentIds.map((id, i) => {
    const f = agentFields[i] ?? {};
    return {
      id,
      name: f.name ?? id,
      tier: f.tier ?? 'frontline',
      state: displayState(f, Number(f.cap ?? capacity)),
      load: Number(f.load ?? 0),
      languages: (f.languages ?? '').split(',').filter(Boolean),
      topics: (f.topics ?? '').split(',').filter(Boolean),
      ...breakFigures(agentWellbeing(f, config, now)),
    };
  });
  const agentsBySkill: Record<string, Record<string, number>> = {};
  for (const agent of agents) {
    for (const language of agent.languages) {
      for (const topic of agent.topics) {
        const key = skillKey(language, topic, agent.tier as (typeof TIERS)[number]);
        const counts = (agentsBySkill[key] ??= {});
        counts[agent.state] = (counts[agent.state] ?? 0) + 1;
      }
    }
  }

  const queues: QueueMetrics[] = counted.map(({ handlingS, ...queue }) => {
    const onDuty = Object.entries(agentsBySkill[queue.queue] ?? {})
      .filter(([state]) => state === 'available' || state === 'busy' || state === 'wrap-up')
      .reduce((sum, [, n]) => sum + n, 0);
    // every session counted as taking an agent to itself, as a call does: for text, which shares an agent, an upper bound
    const inputs = {
      arrivals: queue.answered + queue.abandoned + queue.waiting,
      windowS: config.statsWindowS,
      handlingS,
      targetS: catalog.serviceLevelS,
      targetPct: config.serviceLevelTargetPct,
      sessionsPerAgent: 1,
    };
    const forecast = forecastQueue(inputs, config.forecastMaxAgents);
    return {
      ...queue,
      forecast: {
        arrivalsPerHour: forecast.arrivalsPerHour,
        handlingS: Math.round(handlingS),
        trafficErlangs: forecast.trafficErlangs,
        targetPct: inputs.targetPct,
        agentsNeeded: forecast.agentsNeeded,
        onDuty,
      },
    };
  });

  const activeRows = await redis.zRangeWithScores(dispatchKeys.active, 0, MAX_ACTIVE_ROWS - 1);
  const active = await Promise.all(
    activeRows.map(async ({ value: sessionId, score }) => {
      const f = await redis.hGetAll(sessionKeys.session(sessionId));
      const agentId = f.agent ?? '';
      return {
        ...kioskOf(f.entry),
        sessionId,
        state: f.state ?? '',
        agentId,
        agentName: agents.find((a) => a.id === agentId)?.name ?? agentId,
        taxpayerName: f.taxpayerName ?? '',
        topic: f.topic ?? '',
        language: f.language ?? '',
        durationS: Math.max(0, Math.round((now - score) / 1000)),
      };
    }),
  );

  // halls: kiosk requests waiting (from the queues) and kiosk sessions in progress
  const hallMap = new Map<string, { waiting: number; active: number; kiosks: Set<string> }>();
  const hallOf = (name: string) => {
    let hall = hallMap.get(name);
    if (!hall) hallMap.set(name, (hall = { waiting: 0, active: 0, kiosks: new Set() }));
    return hall;
  };
  for (const row of active) {
    if (!row.hallId) continue;
    hallOf(row.hallId).active++;
    hallOf(row.hallId).kiosks.add(row.kioskId ?? '');
  }
  const waitingIds = new Set<string>();
  for (const { key } of queueKeys) for (const id of await redis.zRange(dispatchKeys.queue(key), 0, 199)) waitingIds.add(id);
  for (const id of waitingIds) {
    const kiosk = kioskOf((await redis.hGet(sessionKeys.session(id), 'entry')) ?? undefined);
    if (!kiosk) continue;
    hallOf(kiosk.hallId).waiting++;
    hallOf(kiosk.hallId).kiosks.add(kiosk.kioskId);
  }
  const halls = [...hallMap].map(([hallId, h]) => ({ hallId, waiting: h.waiting, active: h.active, kiosks: [...h.kiosks].filter(Boolean).sort() }));

  const endedRows = await redis.zRangeWithScores(dispatchKeys.ended, 0, 19, { REV: true });
  const recentRows = await Promise.all(
    endedRows.map(async ({ value: sessionId, score }) => {
      const f = await redis.hGetAll(sessionKeys.session(sessionId));
      // moved to PostgreSQL and expired from Redis (docs/records.md): not listed here any more
      if (!f.id) return undefined;
      const agentId = f.agent ?? '';
      const row = {
        sessionId,
        endedAt: new Date(score).toISOString(),
        taxpayerName: f.taxpayerName ?? '',
        agentName: agents.find((a) => a.id === agentId)?.name ?? agentId,
        topic: f.topic ?? '',
        outcome: f.outcome ?? '',
      };
      if (!f.rating) return row;
      return f.ratingComment ? { ...row, rating: Number(f.rating), ratingComment: f.ratingComment } : { ...row, rating: Number(f.rating) };
    }),
  );
  const recent = recentRows.filter((row) => row !== undefined);

  const instances = await readMediaStats(redis, config.metricsIntervalMs * 3);
  const media = {
    workers: instances.flatMap((i) =>
      i.workers.map((w) => ({ instance: i.instance, index: w.index, rooms: w.rooms, consumers: w.consumers, cpuPct: w.cpuPct, maxRssKb: w.maxRssKb })),
    ),
    sessions: instances.flatMap((i) => i.sessions.map((s) => ({ ...s, instance: i.instance }))),
  };

  const day = Math.floor((now + config.tzOffsetMin * 60_000) / 86_400_000);
  const totals = await redis.hGetAll(dispatchKeys.day(day));
  const count = (field: string): number => Math.round(Number(totals[field] ?? 0));
  const outcomes = Object.fromEntries(
    Object.entries(totals)
      .filter(([field]) => field.startsWith('outcome:'))
      .map(([field, n]) => [field.slice('outcome:'.length), Math.round(Number(n))]),
  );
  const trendRaw = await redis.xRange(dispatchKeys.metricsTrend, String(now - TREND_HOURS * 3_600_000), '+');
  const trend = trendRaw.map((e) => ({
    at: Number(e.id.split('-')[0]),
    waiting: Number(e.message.waiting ?? 0),
    longestWaitS: Number(e.message.longestWaitS ?? 0),
    active: Number(e.message.active ?? 0),
    available: Number(e.message.available ?? 0),
  }));
  return {
    at: new Date(now).toISOString(),
    windowS: config.statsWindowS,
    serviceLevelS: catalog.serviceLevelS,
    queues,
    agents,
    agentsBySkill,
    active,
    halls,
    media,
    instances: await readInstances(redis, instanceTimeoutMs),
    recent,
    today: {
      requests: count('requests'),
      served: count('served'),
      sessionHours: Math.round(Number(totals.session_hours ?? 0) * 100) / 100,
      escalations: count('escalations'),
      transfers: count('transfers'),
      abandoned: count('abandoned'),
      offers: {
        made: count('offers'),
        accepted: count('offers_accepted'),
        declined: count('offers_declined'),
        timedOut: count('offers_timeout'),
        revoked: count('offers_revoked'),
      },
      outcomes,
    },
    trend,
  };
}

/**
 * Every second one instance (the leader, elected through Redis) computes the metrics and stores
 * them; every instance pushes the stored picture to its own supervisors' sockets.
 */
export class SupervisorMetricsPublisher {
  readonly #id = randomUUID();
  readonly #task: PeriodicTask;
  #latest: SupervisorMetrics | undefined;

  constructor(
    private readonly redis: RedisClient,
    private readonly io: AppServer,
    private readonly config: DispatchConfig,
    private readonly catalog: PublishedCatalog,
    /** The instances' heartbeat timeout: older ones are not shown. */
    private readonly instanceTimeoutMs: number,
    log: Logger,
  ) {
    this.#task = new PeriodicTask('supervisor metrics', config.metricsIntervalMs, () => this.#tick(), log);
  }

  /** The newest picture (computed now if none is stored yet). */
  async current(): Promise<SupervisorMetrics> {
    const stored = await this.redis.get(dispatchKeys.metricsSnapshot);
    if (stored) return JSON.parse(stored) as SupervisorMetrics;
    return collectSupervisorMetrics(this.redis, this.config, this.catalog.current, this.instanceTimeoutMs);
  }

  get latest(): SupervisorMetrics | undefined {
    return this.#latest;
  }

  async #tick(): Promise<void> {
    const ttl = this.config.metricsIntervalMs * 3;
    const leader = await this.redis.set(dispatchKeys.metricsLeader, this.#id, { NX: true, PX: ttl });
    const mine = leader === 'OK' || (await this.redis.get(dispatchKeys.metricsLeader)) === this.#id;
    if (mine) {
      await this.redis.pExpire(dispatchKeys.metricsLeader, ttl);
      const snapshot = await collectSupervisorMetrics(this.redis, this.config, this.catalog.current, this.instanceTimeoutMs);
      await this.redis.set(dispatchKeys.metricsSnapshot, JSON.stringify(snapshot), { PX: ttl });
      await this.#sampleTrend(snapshot);
    }
    const stored = await this.redis.get(dispatchKeys.metricsSnapshot);
    if (stored) {
      this.#latest = JSON.parse(stored) as SupervisorMetrics;
      this.io.local.to(rooms.supervisors).emit('supervisor:metrics', this.#latest);
    }
  }

  /** Appends a trend sample when the last one is a minute old (the leader only). */
  async #sampleTrend(snapshot: SupervisorMetrics): Promise<void> {
    const [last] = await this.redis.xRevRange(dispatchKeys.metricsTrend, '+', '-', { COUNT: 1 });
    if (last && Date.now() - Number(last.id.split('-')[0]) < TREND_EVERY_MS) return;
    await this.redis.xAdd(
      dispatchKeys.metricsTrend,
      '*',
      {
        waiting: String(snapshot.queues.reduce((n, q) => n + q.waiting, 0)),
        longestWaitS: String(Math.max(0, ...snapshot.queues.map((q) => q.longestWaitS))),
        active: String(snapshot.active.length),
        available: String(snapshot.agents.filter((a) => a.state === 'available').length),
      },
      { TRIM: { strategy: 'MAXLEN', strategyModifier: '~', threshold: (TREND_HOURS * 3_600_000) / TREND_EVERY_MS } },
    );
  }

  stop(): Promise<void> {
    return this.#task.stop();
  }
}
