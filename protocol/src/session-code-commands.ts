import { Type } from '@sinclair/typebox';
import type { ScriptCommands } from './script-command.js';

/** The commands of the phone-hotline session codes (server/lua/session-code.lua). */
export const SESSION_CODE_COMMANDS = {
  /** `issued: false` when the candidate code is taken. */
  issue: {
    args: Type.Object({ session: Type.String(), code: Type.String(), ttlS: Type.Integer() }),
    result: Type.Object({ issued: Type.Boolean() }),
  },
  revoke: { args: Type.Object({ session: Type.String() }), result: Type.Object({}) },
} as const satisfies ScriptCommands;
