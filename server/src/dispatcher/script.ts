import type { RedisClient } from '../redis/client.js';
import { LuaScript } from '../redis/lua-script.js';
import type { Effect } from './effects.js';

export interface ScriptOutcome<R> {
  result: R;
  effects: Effect[];
  /** Redis server time of the call (ms): the clock every instance shares. */
  now: number;
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
    const reply = await this.#script.run(command, args);
    // cjson encodes an empty Lua table as {}, so "no effects" may arrive as an object.
    const effects = Array.isArray(reply.effects) ? (reply.effects as Effect[]) : [];
    return { result: reply.result as R, effects, now: typeof reply.now === 'number' ? reply.now : Date.now() };
  }
}
