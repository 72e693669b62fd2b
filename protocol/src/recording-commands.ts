import { Type } from '@sinclair/typebox';
import type { ScriptCommands } from './script-command.js';

/** The command of the co-browsing recording script (server/lua/recording.lua). */
export const RECORDING_COMMANDS = {
  /**
   * One compressed chunk (`z`, base64; `n` events) within the recording's byte allowance:
   * 'written', 'reached' (it did not fit: the recording stops now) or 'stopped' (before).
   */
  append: {
    args: Type.Object({ session: Type.String(), n: Type.String(), z: Type.String(), maxBytes: Type.Integer() }),
    result: Type.Union([Type.Literal('written'), Type.Literal('reached'), Type.Literal('stopped')]),
  },
} as const satisfies ScriptCommands;
