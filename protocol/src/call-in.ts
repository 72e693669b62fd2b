import { Type, type Static } from '@sinclair/typebox';

/**
 * Call-ins (docs/dispatcher.md, "Call-ins"): an agent in back office (signed in, offered no
 * session) is asked to join the pool — by the service when a queue's staffing gap or longest wait
 * passes its threshold (CALLIN_*), or by a supervisor. The agent becomes available with one click
 * or declines; an unanswered call-in expires.
 */

/** What made a call-in: a queue's forecast gap, its longest wait, or a supervisor. */
export const CALL_IN_TRIGGERS = ['gap', 'wait', 'manual'] as const;
export type CallInTrigger = (typeof CALL_IN_TRIGGERS)[number];
export const CallInTriggerSchema = Type.Union(CALL_IN_TRIGGERS.map((t) => Type.Literal(t)));

/** How a call-in ended. */
export const CALL_IN_ANSWERS = ['accepted', 'declined', 'expired'] as const;
export type CallInAnswer = (typeof CALL_IN_ANSWERS)[number];
export const CallInAnswerSchema = Type.Union(CALL_IN_ANSWERS.map((a) => Type.Literal(a)));

/** The longest supervisor's note and decline reason a call-in carries. */
export const CALL_IN_TEXT_MAX = 500;
const CallInText = Type.String({ maxLength: CALL_IN_TEXT_MAX });
const CallInId = Type.String({ pattern: '^[0-9]{1,15}$' });

/** A call-in as the agent's console shows it (`call-in:new`, and `call-in:open` after a reload). */
export const CallInEvent = Type.Object({
  callInId: Type.String(),
  /** The queue (language:topic:tier) it is for; '' for a supervisor's call-in. */
  queue: Type.String(),
  trigger: CallInTriggerSchema,
  /** The supervisor's note (manual call-ins). */
  note: Type.String(),
  expiresInMs: Type.Integer({ minimum: 0 }),
});
export type CallInEvent = Static<typeof CallInEvent>;

export const CallInClosedEvent = Type.Object({ callInId: Type.String(), answer: CallInAnswerSchema });
export type CallInClosedEvent = Static<typeof CallInClosedEvent>;

/** The agent's answer: become available (`accept`) or decline, with an optional reason. */
export const AnswerCallIn = Type.Object(
  { callInId: CallInId, answer: Type.Union([Type.Literal('accept'), Type.Literal('decline')]), reason: Type.Optional(CallInText) },
  { additionalProperties: false },
);
export type AnswerCallIn = Static<typeof AnswerCallIn>;

/** The agent's open call-in, if any. */
export const OpenCallIn = Type.Object({ callIn: Type.Optional(CallInEvent) });
export type OpenCallIn = Static<typeof OpenCallIn>;

/** A supervisor calls a back-office agent in, with an optional note. */
export const SupervisorCallIn = Type.Object({ agentId: Type.String({ minLength: 1, maxLength: 128 }), note: Type.Optional(CallInText) }, { additionalProperties: false });
export type SupervisorCallIn = Static<typeof SupervisorCallIn>;
