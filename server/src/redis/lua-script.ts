import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ProtocolError, type ErrorCode } from '@etax-assist/protocol';
import type { RedisClient } from './client.js';

export interface ScriptReply {
  ok: boolean;
  result?: unknown;
  code?: ErrorCode;
  message?: string;
  details?: unknown;
  [extra: string]: unknown;
}

/** The ProtocolError a refusing reply stands for. */
export function refusalOf(reply: ScriptReply): ProtocolError {
  return new ProtocolError(reply.code ?? 'INTERNAL', reply.message ?? 'script error', reply.details);
}

/**
 * A Lua script of server/lua/, loaded once and called by SHA as `<command> <json args>`; its JSON
 * reply is either `{ ok: true, result }` or a refusal that becomes a ProtocolError.
 */
export class LuaScript {
  readonly #source: string;
  #sha: string | undefined;

  constructor(
    private readonly redis: RedisClient,
    file: string,
  ) {
    this.#source = readFileSync(resolve(import.meta.dirname, '../../lua', file), 'utf8');
  }

  async load(): Promise<void> {
    this.#sha = await this.redis.scriptLoad(this.#source);
  }

  async run(command: string, args: object): Promise<ScriptReply> {
    const reply = await this.reply(command, args);
    if (!reply.ok) throw refusalOf(reply);
    return reply;
  }

  /** The script's reply as it came, refusals included (for callers that act on both). */
  async reply(command: string, args: object): Promise<ScriptReply> {
    return JSON.parse(await this.#call(command, JSON.stringify(args))) as ScriptReply;
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
