import { Type, type Static } from '@sinclair/typebox';
import { CallInAnswerSchema, CallInTriggerSchema } from './call-in.js';
import { AgentStatusSchema, OfferClosedEvent, OfferEvent } from './dispatch.js';
import { SessionStateSchema } from './session.js';

/**
 * What a dispatcher command changed, reported by its Lua script (`emit{ t = … }` in
 * server/lua/dispatch/) so that the calling instance can notify people; facts, already committed.
 */
export const Effect = Type.Union([
  Type.Object({ t: Type.Literal('session'), session: Type.String(), state: SessionStateSchema }),
  Type.Object({
    t: Type.Literal('offer'),
    offer: Type.String(),
    session: Type.String(),
    agent: Type.String(),
    kind: OfferEvent.properties.kind,
    expiresAt: Type.Number(),
  }),
  Type.Object({ t: Type.Literal('offer-closed'), offer: Type.String(), session: Type.String(), agent: Type.String(), reason: OfferClosedEvent.properties.reason }),
  Type.Object({
    t: Type.Literal('agent'),
    agent: Type.String(),
    status: AgentStatusSchema,
    wrap: Type.Boolean(),
    load: Type.Number(),
    capacity: Type.Number(),
    /** The agent's break fields (server/src/dispatcher/agent-wellbeing.ts). */
    streak: Type.Integer({ minimum: 0 }),
    restedAt: Type.Optional(Type.Integer({ minimum: 0 })),
    awayAt: Type.Optional(Type.Integer({ minimum: 0 })),
  }),
  Type.Object({ t: Type.Literal('agent-auto-away'), agent: Type.String(), timeouts: Type.Number() }),
  Type.Object({ t: Type.Literal('agent-lost'), agent: Type.String() }),
  Type.Object({ t: Type.Literal('participant'), session: Type.String(), agent: Type.String(), change: Type.Union([Type.Literal('joined'), Type.Literal('left')]) }),
  Type.Object({ t: Type.Literal('taxpayer-gone'), session: Type.String() }),
  /** `peer` (`role:sub`) is no longer among the session's participants: everything it had of the session must close. */
  Type.Object({ t: Type.Literal('access-ended'), session: Type.String(), peer: Type.String() }),
  Type.Object({
    t: Type.Literal('call-in'),
    callIn: Type.String(),
    agent: Type.String(),
    queue: Type.String(),
    trigger: CallInTriggerSchema,
    note: Type.String(),
    expiresAt: Type.Number(),
  }),
  Type.Object({ t: Type.Literal('call-in-closed'), callIn: Type.String(), agent: Type.String(), answer: CallInAnswerSchema }),
]);
export type Effect = Static<typeof Effect>;
export type EffectKind = Effect['t'];
