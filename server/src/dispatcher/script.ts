import { Type } from '@sinclair/typebox';
import {
  DISPATCH_COMMANDS,
  Effect,
  SESSION_TRANSITIONS,
  TOP_PROFICIENCY,
  type DispatchCommands,
  type ProtocolError,
  type ScriptArgs,
  type ScriptResult,
} from '@etax-assist/protocol';
import type { RedisClient } from '../redis/client.js';
import { LuaScript, refusalOf } from '../redis/lua-script.js';
import { luaLocal, luaValue, type LuaValue } from '../redis/lua-source.js';
import { recordKeys } from '../records/keys.js';
import { sessionKeys } from '../sessions/keys.js';
import { BAND_WIDTH, dispatchKeys } from './keys.js';

export type ScriptOutcome<R> = {
  /** Committed changes, also when the command itself was refused (a late accept times its offer out). */
  effects: Effect[];
  /** Redis server time of the call (ms): the clock every instance shares. */
  now: number;
} & ({ result: R; refusal?: undefined } | { result?: undefined; refusal: ProtocolError });

/** The dispatcher's state machine (server/lua/dispatch/), in the order its parts build on each other. */
export const DISPATCH_FILES = [
  'base',
  'agents',
  'queues',
  'offers',
  'sessions',
  'agent-commands',
  'request-commands',
  'session-commands',
  'supervisor-commands',
  'catalog-commands',
  'call-in-commands',
  'sweep',
  'run',
].map((part) => `dispatch/${part}.lua`);

/**
 * The session lifecycle as the script reads it: `NEXT_STATE['<transition> <state>']`, and the
 * refusals in a function, so that only a refused command builds their table. (The whole script
 * runs on every call: one flat table costs a fraction of the nested one.)
 */
function luaLifecycle(): string {
  const transitions = Object.entries(SESSION_TRANSITIONS);
  const next = transitions.flatMap(([name, { from }]) => Object.entries(from).map(([state, to]): [string, string] => [`${name} ${state}`, to]));
  const refusals = transitions.flatMap(([name, transition]): [string, LuaValue][] => ('refusal' in transition ? [[name, transition.refusal]] : []));
  return [luaLocal('NEXT_STATE', Object.fromEntries(next)), `local function refusal_of(transition) return (${luaValue(Object.fromEntries(refusals))})[transition] end`].join('\n');
}

/** What the script is handed: the key names (the outbox's among them), the queue score band, the top proficiency level, the session lifecycle. */
const PRELUDE = [luaLocal('key', { ...dispatchKeys, ...sessionKeys, ...recordKeys }), luaLocal('BAND', BAND_WIDTH), luaLocal('TOP_LEVEL', TOP_PROFICIENCY), luaLifecycle()].join(
  '\n',
);

const REPLY_FIELDS = { effects: Type.Array(Effect), now: Type.Number() };

/** The dispatcher's Lua state machine (server/lua/dispatch/). */
export class DispatchScript {
  readonly #script: LuaScript<DispatchCommands, typeof REPLY_FIELDS>;

  constructor(redis: RedisClient) {
    this.#script = new LuaScript(redis, DISPATCH_COMMANDS, { name: 'dispatcher', files: DISPATCH_FILES, prelude: PRELUDE, replyFields: REPLY_FIELDS });
  }

  load(): Promise<void> {
    return this.#script.load();
  }

  async run<C extends keyof DispatchCommands>(command: C, args: ScriptArgs<DispatchCommands, C>): Promise<ScriptOutcome<ScriptResult<DispatchCommands, C>>> {
    const reply = await this.#script.reply(command, args);
    const { effects, now } = reply;
    return reply.ok ? { result: reply.result, effects, now } : { refusal: refusalOf(reply), effects, now };
  }
}
