import { Type } from '@sinclair/typebox';
import type { ScriptCommands } from './script-command.js';

const Attempt = Type.Object({
  account: Type.String(),
  /** The client address as throttled (an IPv6 address by its /64). */
  address: Type.String(),
  windowMs: Type.Number(),
  maxPerAccount: Type.Integer(),
  maxPerAddress: Type.Integer(),
});

/** The commands of the sign-in throttle (server/lua/signin.lua). */
export const SIGNIN_COMMANDS = {
  /** Counts the attempt, or names the used-up limit and how long until its window ends. */
  begin: {
    args: Attempt,
    result: Type.Union([
      Type.Object({ limit: Type.Union([Type.Literal('account'), Type.Literal('address')]), retryAfterS: Type.Integer() }),
      Type.Object({}, { additionalProperties: false }),
    ]),
  },
  succeeded: { args: Attempt, result: Type.Object({}) },
} as const satisfies ScriptCommands;
