import { Type, type Static } from '@sinclair/typebox';

/**
 * A request keeping its place while the taxpayer is elsewhere in the portal (docs/dispatcher.md,
 * "Callback"): what the taxpayer's pages are told of it with the session's state.
 */
export const CallbackStatus = Type.Object({
  /** When the place stops being kept (epoch ms): the request then ends as missed. */
  holdUntil: Type.Integer({ minimum: 0 }),
  /** Times an agent was ready and the taxpayer did not come back (the second ends the request). */
  misses: Type.Integer({ minimum: 0 }),
  /** An agent is ready and waits for the taxpayer until then (epoch ms): the pages ask them to come back. */
  answerBy: Type.Optional(Type.Integer({ minimum: 0 })),
});
export type CallbackStatus = Static<typeof CallbackStatus>;
