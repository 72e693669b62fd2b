import type { AgentStatus, CallInEvent } from '@etax-assist/protocol';
import type { CallInConfig } from '../config/env.js';
import type { RedisClient } from '../redis/client.js';
import type { CallInRound } from './call-in-triggers.js';
import type { Dispatcher } from './dispatcher.js';
import { dispatchKeys } from './keys.js';

/**
 * Call-ins of back-office agents (docs/dispatcher.md, "Call-ins"): the script decides each one
 * atomically (server/lua/dispatch/call-in-commands.lua); this hands it the limits of
 * configuration and reads an agent's open call-in for its console.
 */
export class CallIns {
  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly redis: RedisClient,
    private readonly config: CallInConfig,
  ) {}

  get #limits() {
    const c = this.config;
    return { expiresMs: c.expiryS * 1000, cooldownMs: c.cooldownS * 1000, maxOpen: c.maxOpenPerQueue, agentMaxPerHour: c.agentMaxPerHour };
  }

  /** An automatic round for a queue (call-in-triggers.ts); returns the agents called in. */
  async round({ queue, trigger, gap, waitS, want }: CallInRound): Promise<string[]> {
    const { callIns } = await this.dispatcher.callInCommand('callIn', { queue, trigger, note: '', gap, waitS, want, ...this.#limits });
    return callIns.map(({ agent }) => agent);
  }

  /** A supervisor's call-in of one back-office agent. */
  async manual(agentId: string, by: string, note: string): Promise<void> {
    await this.dispatcher.callInCommand('callIn', { queue: '', trigger: 'manual', agent: agentId, by, note, gap: 0, waitS: 0, want: 1, ...this.#limits });
  }

  async answer(agentId: string, callInId: string, answer: 'accept' | 'decline', reason: string): Promise<AgentStatus> {
    const { status } = await this.dispatcher.callInCommand('answerCallIn', { callIn: callInId, agent: agentId, answer, reason });
    return status;
  }

  /** Closes the call-ins whose time ran out (any instance; each once). */
  async expire(limit = 200): Promise<number> {
    const { expired } = await this.dispatcher.callInCommand('expireCallIns', { limit });
    return expired;
  }

  /** The agent's open call-in, as its console shows it. */
  async open(agentId: string): Promise<CallInEvent | undefined> {
    const [id, [seconds, micros]] = await Promise.all([this.redis.get(dispatchKeys.agentCallIn(agentId)), this.redis.time()]);
    const fields = id ? await this.redis.hGetAll(dispatchKeys.callIn(id)) : {};
    if (!id || !fields.agent) return undefined;
    // by Redis's clock, as the script expires it
    const left = Math.round(Number(fields.expiresAt) - (Number(seconds) * 1000 + Math.floor(Number(micros) / 1000)));
    if (left <= 0) return undefined;
    return { callInId: id, queue: fields.queue ?? '', trigger: (fields.trigger ?? 'manual') as CallInEvent['trigger'], note: fields.note ?? '', expiresInMs: left };
  }
}
