import type { RedisClient } from '../redis/client.js';
import type { ProtocolError } from '@etax-assist/protocol';
import { LuaScript, refusalOf } from '../redis/lua-script.js';
import type { Effect } from './effects.js';

export interface ScriptOutcome<R> {
  result: R;
  /** Committed changes, also when the command itself was refused (a late accept times its offer out). */
  effects: Effect[];
  /** Redis server time of the call (ms): the clock every instance shares. */
  now: number;
  /** Set when the command was refused; `effects` still stand. */
  refusal?: ProtocolError;
}

/** The dispatcher's Lua state machine (server/lua/dispatch.lua). */
export class DispatchScript {
  readonly #script: LuaScript;

  constructor(redis: RedisClient) {
    this.#script = new LuaScript(redis, 'dispatch.lua');
  }

  load(): Promise<void> {
    return this.#script.load();
  }

  async run<R>(command: string, args: object): Promise<ScriptOutcome<R>> {
    const reply = await this.#script.reply(command, args);
    // cjson encodes an empty Lua table as {}, so "no effects" may arrive as an object.
    const effects = Array.isArray(reply.effects) ? (reply.effects as Effect[]) : [];
    const outcome = { result: reply.result as R, effects, now: typeof reply.now === 'number' ? reply.now : Date.now() };
    return reply.ok ? outcome : { ...outcome, refusal: refusalOf(reply) };
  }
}
