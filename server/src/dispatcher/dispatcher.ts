import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import {
  OUTBOX_FULL,
  ProtocolError,
  type AgentStatus,
  type DispatchCommands,
  type Effect,
  type ScriptArgs,
  type ScriptResult,
  type AdmittedHelpRequest,
  type Role,
  type TaxpayerClaims,
  type Tier,
  type TopicSkill,
} from '@etax-assist/protocol';
import type { PublishedCatalog } from '../catalog/live-catalog.js';
import type { DispatchConfig } from '../config/env.js';
import { outboxFullRefusals } from '../records/outbox-full-refusals.js';
import type { RedisClient } from '../redis/client.js';
import { dispatchKeys } from './keys.js';
import { DispatchScript } from './script.js';
import { agentSkills, priorityBand, routingPlan, takesWholeAgent } from './skills.js';

/** A staff member as the dispatcher routes to them. */
export interface AgentProfile {
  id: string;
  name: string;
  tier: Tier;
  languages: readonly string[];
  /** The topics served, each at its proficiency level. */
  topics: readonly TopicSkill[];
  /** Text sessions at once (a voice or video session takes all of it). */
  capacity: number;
}

export function tierOf(role: Role): Tier {
  return role === 'expert' ? 'expert' : 'frontline';
}

export type SweepCounts = ScriptResult<DispatchCommands, 'sweep'>;

/** When a change was made: the Redis clock of the change, and when this process heard of it (performance.now()). */
export interface ChangeClock {
  now: number;
  receivedAt: number;
}

/** The Redis clock now, as estimated from a change's clock and the time passed since. */
export function redisNow(clock: ChangeClock): number {
  return clock.now + (performance.now() - clock.receivedAt);
}

interface DispatcherEvents {
  /** Committed changes to tell people about. */
  effects: [effects: Effect[], clock: ChangeClock];
}

const ids = (entries: readonly { id: string }[]): string[] => entries.map(({ id }) => id);

/**
 * The write side of routing: every command runs as one atomic Lua call in Redis, so any number
 * of instances can share the work. Commands throw ProtocolError with a clear code and change
 * nothing when refused. Topics, languages, outcomes and the widening and proficiency steps are the published
 * catalog's at the time of each command (a queued request keeps the steps it was planned with).
 */
export class Dispatcher extends EventEmitter<DispatcherEvents> {
  readonly #script: DispatchScript;

  constructor(
    private readonly redis: RedisClient,
    readonly config: DispatchConfig,
    readonly catalog: PublishedCatalog,
  ) {
    super();
    this.#script = new DispatchScript(redis);
  }

  /** Publishes this instance's settings and the catalog's service-level target to Redis, and loads the script. */
  async start(): Promise<void> {
    const c = this.config;
    await this.redis.hSet(dispatchKeys.config, {
      offerMs: String(c.offerTimeoutS * 1000),
      maxTimeouts: String(c.maxOfferTimeouts),
      wrapMs: String(c.wrapUpS * 1000),
      breakMs: String(c.breakMinS * 1000),
      maxConsecutiveSessions: String(c.maxConsecutiveSessions),
      retentionS: String(c.retentionDays * 86_400),
      statsWindowMs: String(c.statsWindowS * 1000),
      tzOffsetMin: String(c.tzOffsetMin),
      outboxMaxLength: String(c.outboxMaxLength),
      callbackGraceMs: String(c.callbackAnswerGraceS * 1000),
    });
    await this.#script.load();
    await this.applyCatalog();
  }

  /**
   * Writes the catalog's service-level target where the script reads it (dp:config), unless a
   * newer version's is there already: instances apply a publication in any order.
   */
  async applyCatalog(): Promise<void> {
    const { version, serviceLevelS } = this.catalog.current;
    await this.#run('catalog', { version, serviceLevelMs: serviceLevelS * 1000 });
  }

  /** The routing arguments of a request or hand-over, from the published widening and proficiency steps. */
  #plan(language: string, topic: string, tier: Tier): { cands: string; minLevel: number; steps: string; firstStepMs: number | undefined } {
    const { wideningSteps, proficiencySteps } = this.catalog.current;
    const plan = routingPlan(language, topic, tier, wideningSteps, proficiencySteps);
    return { cands: plan.cands.join(','), minLevel: plan.minLevel, steps: JSON.stringify(plan.steps), firstStepMs: plan.firstStepMs };
  }

  async #run<C extends keyof DispatchCommands>(command: C, args: ScriptArgs<DispatchCommands, C>): Promise<ScriptResult<DispatchCommands, C>> {
    const outcome = await this.#script.run(command, args);
    if (outcome.effects.length > 0) this.emit('effects', outcome.effects, { now: outcome.now, receivedAt: performance.now() });
    if (outcome.refusal) throw outcome.refusal;
    return outcome.result;
  }

  /** A new request or hand-over: a language of the catalog and an active topic. */
  #checkSkill(language: string, topic: string): void {
    const { languages, topics } = this.catalog.current;
    if (!languages.some(({ id }) => id === language)) {
      throw new ProtocolError('VALIDATION_FAILED', `Unsupported language "${language}"`, { languages: ids(languages) });
    }
    const active = ids(topics.filter((t) => t.active));
    if (!active.includes(topic)) throw new ProtocolError('VALIDATION_FAILED', `Unknown topic "${topic}"`, { topics: active });
  }

  async register(agent: AgentProfile): Promise<{ status: AgentStatus; wrap: boolean; load: number }> {
    // inactive topics too: the sessions still queued for one are served
    const catalog = this.catalog.current;
    const languages = agent.languages.filter((l) => catalog.languages.some(({ id }) => id === l));
    const topics = agent.topics.filter(({ topic }) => catalog.topics.some(({ id }) => id === topic));
    return this.#run('register', {
      agent: agent.id,
      name: agent.name,
      tier: agent.tier,
      languages: languages.join(','),
      topics: topics.map(({ topic }) => topic).join(','),
      skills: agentSkills(languages, topics, agent.tier).join(','),
      capacity: agent.capacity,
    });
  }

  /** `forcedBy`: the supervisor who sets it (signing the agent off even with sessions open). */
  async setStatus(agentId: string, status: AgentStatus, forcedBy?: string): Promise<void> {
    await this.#run('status', { agent: agentId, status, force: forcedBy !== undefined, ...(forcedBy === undefined ? {} : { by: forcedBy }) });
  }

  /** Keeps agents counted as present (they are marked offline when this stops). */
  async heartbeat(agentIds: readonly string[]): Promise<void> {
    if (agentIds.length > 0) await this.#run('heartbeat', { agents: [...agentIds] });
  }

  async request(taxpayer: TaxpayerClaims, request: AdmittedHelpRequest): Promise<string> {
    this.#checkSkill(request.language, request.topic);
    const sessionId = randomBytes(12).toString('base64url');
    const { priority } = request;
    const plan = this.#plan(request.language, request.topic, 'frontline');
    await this.#run('request', {
      session: sessionId,
      createdAt: new Date().toISOString(),
      taxpayerSub: taxpayer.sub,
      taxpayerName: taxpayer.name,
      taxpayerId: taxpayer.taxpayerId ?? '',
      company: taxpayer.company ?? '',
      language: request.language,
      topic: request.topic,
      channel: request.channel,
      priority,
      entry: JSON.stringify(request.entry),
      question: request.question ?? '',
      wholeAgent: takesWholeAgent(request.channel),
      band: priorityBand(priority),
      ...plan,
    }).catch((error: unknown) => {
      if (error instanceof ProtocolError && (error.details as { reason?: string } | undefined)?.reason === OUTBOX_FULL) outboxFullRefusals.inc();
      throw error;
    });
    return sessionId;
  }

  async cancel(sessionId: string, taxpayerSub: string): Promise<void> {
    await this.#run('cancel', { session: sessionId, taxpayerSub });
  }

  /** Accepts an offer; returns the session id. */
  async accept(offerId: string, agentId: string): Promise<string> {
    const { session } = await this.#run('accept', { offer: offerId, agent: agentId });
    return session;
  }

  async decline(offerId: string, agentId: string): Promise<void> {
    await this.#run('decline', { offer: offerId, agent: agentId });
  }

  async handover(kind: 'escalation' | 'transfer', sessionId: string, agentId: string, target: { language: string; topic: string; tier: Tier; note: string }): Promise<string> {
    this.#checkSkill(target.language, target.topic);
    const plan = this.#plan(target.language, target.topic, target.tier);
    const { state } = await this.#run('handover', {
      kind,
      session: sessionId,
      agent: agentId,
      language: target.language,
      topic: target.topic,
      tier: target.tier,
      note: target.note,
      ...plan,
    });
    return state;
  }

  async cancelHandover(sessionId: string, agentId: string): Promise<void> {
    await this.#run('cancelHandover', { session: sessionId, agent: agentId });
  }

  async leave(sessionId: string, agentId: string): Promise<void> {
    await this.#run('leave', { session: sessionId, agent: agentId });
  }

  /** The agent ends the conversation (or the taxpayer hangs up): wrap-up begins. */
  async finish(sessionId: string, by: { agentId: string } | { taxpayerSub: string }): Promise<string> {
    const args = 'agentId' in by ? { session: sessionId, agent: by.agentId } : { session: sessionId, taxpayerSub: by.taxpayerSub };
    const { state } = await this.#run('finish', args);
    return state;
  }

  async wrapUp(sessionId: string, agentId: string, notes: string, outcome: string): Promise<void> {
    const outcomes = ids(this.catalog.current.outcomes);
    if (!outcomes.includes(outcome)) {
      throw new ProtocolError('VALIDATION_FAILED', `Unknown outcome "${outcome}"`, { outcomes });
    }
    await this.#run('wrapUp', { session: sessionId, agent: agentId, notes, outcome });
  }

  /** Offers a waiting session to one agent (a hotline agent typing its code); returns the offer id. */
  async offerTo(sessionId: string, agentId: string): Promise<string> {
    const result = await this.#run('reassign', { session: sessionId, agent: agentId, by: agentId });
    // an offer to a named agent is the only reply without a state
    if (!('offer' in result)) throw new ProtocolError('INTERNAL', 'The session was not offered');
    return result.offer;
  }

  async reassign(sessionId: string, by: string, agentId?: string): Promise<void> {
    await this.#run('reassign', { session: sessionId, agent: agentId, by });
  }

  async observe(sessionId: string, supervisor: string, mode: 'monitor' | 'join'): Promise<void> {
    await this.#run('observe', { session: sessionId, supervisor, mode });
  }

  async unobserve(sessionId: string, supervisor: string): Promise<void> {
    await this.#run('unobserve', { session: sessionId, supervisor });
  }

  /** The taxpayer keeps the request's place while away, for up to CALLBACK_HOLD_MAX_S. */
  async callback(sessionId: string, taxpayerSub: string): Promise<void> {
    await this.#run('callback', { session: sessionId, taxpayerSub, holdMs: this.config.callbackHoldMaxS * 1000 });
  }

  /** The called-back taxpayer is back: the held offer goes to its agent. */
  async answerCallback(sessionId: string, taxpayerSub: string): Promise<void> {
    await this.#run('callbackAnswer', { session: sessionId, taxpayerSub });
  }

  async taxpayerGone(sessionId: string, taxpayerSub: string): Promise<void> {
    await this.#run('taxpayerGone', { session: sessionId, taxpayerSub, graceMs: this.config.taxpayerGraceS * 1000 });
  }

  /** The taxpayer's rating of their session once it is over (the latest counts). */
  async rate(sessionId: string, taxpayerSub: string, score: number, comment: string): Promise<void> {
    await this.#run('rate', { session: sessionId, taxpayerSub, score, comment });
  }

  async taxpayerBack(sessionId: string, taxpayerSub: string): Promise<void> {
    await this.#run('taxpayerBack', { session: sessionId, taxpayerSub });
  }

  /** A call-in command (server/src/dispatcher/call-ins.ts decides their arguments; docs/dispatcher.md, "Call-ins"). */
  async callInCommand<C extends 'callIn' | 'answerCallIn' | 'expireCallIns'>(command: C, args: ScriptArgs<DispatchCommands, C>): Promise<ScriptResult<DispatchCommands, C>> {
    return this.#run(command, args);
  }

  /** Offer timeouts, lost agents, abandoned taxpayers, ended wrap-ups, due widening steps. */
  async sweep(limit = 200): Promise<SweepCounts> {
    return this.#run('sweep', { limit, heartbeatMs: this.config.agentHeartbeatTimeoutS * 1000 });
  }
}
