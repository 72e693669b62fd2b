import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Type, type Static, type TObject, type TProperties, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ErrorBody, ProtocolError, parse, violations, type ErrorCode, type ScriptArgs, type ScriptCommands, type ScriptResult } from '@etax-assist/protocol';
import type { RedisClient } from './client.js';
import { mendEmptyArrays } from './empty-arrays.js';

/**
 * Replies are checked against their schemas under test only: a script and its declaration that
 * drifted apart fail the suite, and production does not pay for the check on every call.
 */
const CHECK_REPLIES = process.env.NODE_ENV === 'test';

export interface ScriptSource<X extends TProperties> {
  /** What the script is, in messages ("dispatcher", "co-browsing"…). */
  name: string;
  /** Files of server/lua/, joined in this order into one script (still one atomic EVALSHA). */
  files: readonly string[];
  /** Lua put before them: what the TypeScript side hands the script (tables, key names). */
  prelude?: string;
  /** Fields every reply of the script carries besides `ok` and `result`. */
  replyFields?: X;
}

export type ScriptReply<R, X extends TProperties> = ({ ok: true; result: R } | { ok: false; code: ErrorCode; message: string; details?: unknown }) & Static<TObject<X>>;

/** The ProtocolError a refusing reply stands for. */
export function refusalOf(reply: { code: ErrorCode; message: string; details?: unknown }): ProtocolError {
  return new ProtocolError(reply.code, reply.message, reply.details);
}

/**
 * A Lua script of server/lua/, loaded once and called by SHA as `<command> <json args>`; its JSON
 * reply is either `{ ok: true, result }` or a refusal that becomes a ProtocolError. The commands
 * are declared in protocol/ (name → argument and result schemas): arguments are checked on every
 * call, replies under test.
 */
export class LuaScript<T extends ScriptCommands, X extends TProperties = Record<never, TSchema>> {
  readonly #source: string;
  readonly #name: string;
  readonly #replyFields: TObject<X>;
  /** Compiled once: a call's arguments are checked in well under a microsecond. */
  readonly #argChecks = new Map<string, TypeCheck<TSchema>>();
  #sha: string | undefined;

  constructor(
    private readonly redis: RedisClient,
    private readonly commands: T,
    source: ScriptSource<X>,
  ) {
    const files = source.files.map((file) => readFileSync(resolve(import.meta.dirname, '../../lua', file), 'utf8'));
    this.#source = [source.prelude ?? '', ...files].join('\n');
    this.#name = source.name;
    this.#replyFields = Type.Object(source.replyFields ?? ({} as X));
    for (const [name, command] of Object.entries(commands)) this.#argChecks.set(name, TypeCompiler.Compile(command.args));
  }

  async load(): Promise<void> {
    this.#sha = await this.redis.scriptLoad(this.#source);
  }

  async run<C extends keyof T & string>(command: C, args: ScriptArgs<T, C>): Promise<ScriptResult<T, C>> {
    const reply = await this.reply(command, args);
    if (!reply.ok) throw refusalOf(reply);
    return reply.result;
  }

  /** The script's reply as it came, refusals included (for callers that act on both). */
  async reply<C extends keyof T & string>(command: C, args: ScriptArgs<T, C>): Promise<ScriptReply<ScriptResult<T, C>, X>> {
    const declared = this.commands[command];
    // only a cast gets past the compiler with a name the table does not declare
    if (!declared) throw new ProtocolError('UNKNOWN_EVENT', `The ${this.#name} script has no command ${command}`);
    if (!this.#argChecks.get(command)?.Check(args)) parse(declared.args, args, `arguments of ${this.#name} ${command}`);
    const reply = JSON.parse(await this.#call(command, JSON.stringify(args))) as Record<string, unknown>;
    mendEmptyArrays(this.#replyFields, reply);
    if (reply.ok === true) reply.result = mendEmptyArrays(declared.result, reply.result);
    if (CHECK_REPLIES) this.#check(command, declared.result, reply);
    return reply as ScriptReply<ScriptResult<T, C>, X>;
  }

  #check(command: string, result: TSchema, reply: Record<string, unknown>): void {
    const found = [...violations(this.#replyFields, reply), ...(reply.ok === true ? violations(result, reply.result) : violations(ErrorBody, reply))];
    if (found.length > 0 || typeof reply.ok !== 'boolean') {
      throw new ProtocolError('INTERNAL', `${this.#name} ${command} replied against its declaration`, { violations: found, reply });
    }
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
