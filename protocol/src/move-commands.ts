import { Type } from '@sinclair/typebox';
import type { ScriptCommands } from './script-command.js';

const Move = Type.Object({
  session: Type.String({ minLength: 1 }),
  /** The score the move was taken under (ms): it is done only if nothing re-queued the session since. */
  lease: Type.Integer({ minimum: 0 }),
});

/**
 * The commands of the move script (server/lua/moves.lua): sessions that are over, due to have
 * their attachments and recording moved to PostgreSQL and their Redis keys expired
 * (docs/records.md, "What stays in Redis").
 */
export const MOVE_COMMANDS = {
  /** Up to `limit` sessions due, each leased for `leaseMs` (past it, a mover that died is replaced). */
  take: {
    args: Type.Object({ limit: Type.Integer({ minimum: 1 }), leaseMs: Type.Integer({ minimum: 1 }) }),
    result: Type.Array(Move),
  },
  /**
   * The session's move is in PostgreSQL: unless it was re-queued meanwhile (a late recording
   * chunk), it leaves the queue and its `keys` expire in `hotS`. True when it left the queue.
   */
  done: {
    args: Type.Object({ ...Move.properties, keys: Type.Array(Type.String({ minLength: 1 })), hotS: Type.Integer({ minimum: 1 }) }),
    result: Type.Boolean(),
  },
} as const satisfies ScriptCommands;
