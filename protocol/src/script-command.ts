import type { Static, TSchema } from '@sinclair/typebox';

/**
 * A command of one of the service's Lua scripts (server/lua/), called as `<name> <json args>`:
 * the schema of its arguments and of its result. The scripts' tables of these are checked
 * against the Lua sources by a unit test, and calls are checked against them at run time.
 */
export interface ScriptCommand {
  args: TSchema;
  result: TSchema;
}

export type ScriptCommands = Record<string, ScriptCommand>;
export type ScriptArgs<T extends ScriptCommands, C extends keyof T> = Static<T[C]['args']>;
export type ScriptResult<T extends ScriptCommands, C extends keyof T> = Static<T[C]['result']>;
