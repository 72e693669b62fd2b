import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ProtocolError, type ErrorCode } from '@etax-assist/protocol';
import type { RedisClient } from '../redis/client.js';
import type { Effect } from './effects.js';

const SOURCE = readFileSync(resolve(import.meta.dirname, '../../lua/dispatch.lua'), 'utf8');

interface ScriptReply {
  ok: boolean;
  result?: unknown;
  /** cjson encodes an empty Lua table as {}, so "no effects" may arrive as an object. */
  effects?: Effect[] | Record<string, never>;
  now?: number;
  code?: ErrorCode;
  message?: string;
  details?: unknown;
}

export interface ScriptOutcome<R> {
  result: R;
  effects: Effect[];
  /** Redis server time of the call (ms): the clock every instance shares. */
  now: number;
}

/** The dispatcher's Lua state machine, loaded once per connection and called by SHA. */
export class DispatchScript {
  #sha: string | undefined;

  constructor(private readonly redis: RedisClient) {}

  async load(): Promise<void> {
    this.#sha = await this.redis.scriptLoad(SOURCE);
  }

  async run<R>(command: string, args: object): Promise<ScriptOutcome<R>> {
    const raw = await this.#call(command, JSON.stringify(args));
    const reply = JSON.parse(raw) as ScriptReply;
    if (!reply.ok) {
      throw new ProtocolError(reply.code ?? 'INTERNAL', reply.message ?? 'dispatcher error', reply.details);
    }
    const effects = Array.isArray(reply.effects) ? reply.effects : [];
    return { result: reply.result as R, effects, now: reply.now ?? Date.now() };
  }

  async #call(command: string, json: string): Promise<string> {
    if (!this.#sha) await this.load();
    try {
      return (await this.redis.evalSha(this.#sha as string, { arguments: [command, json] })) as string;
    } catch (error) {
      // A restarted Redis (or SCRIPT FLUSH) forgets loaded scripts: load again once.
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      await this.load();
      return (await this.redis.evalSha(this.#sha as string, { arguments: [command, json] })) as string;
    }
  }
}
