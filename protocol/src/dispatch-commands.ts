import { Type } from '@sinclair/typebox';
import { CallInTriggerSchema } from './call-in.js';
import { AgentStatusSchema, OfferEvent } from './dispatch.js';
import type { ScriptCommands } from './script-command.js';
import { SessionStateSchema, TierSchema } from './session.js';

const Id = Type.String();
const Session = { session: Id };
const AgentInSession = { session: Id, agent: Id };
const OfferOfAgent = { offer: Id, agent: Id };
const StateResult = Type.Object({ state: SessionStateSchema });
const Nothing = Type.Object({});
/**
 * The skill keys a request accepts now (comma-separated), the lowest proficiency level it accepts
 * now for its topic, and its plan of widening and relaxing steps (JSON).
 */
const Routing = { cands: Type.String(), minLevel: Type.Integer({ minimum: 1 }), steps: Type.String(), firstStepMs: Type.Optional(Type.Number()) };

/** The commands of the dispatcher's state machine (server/lua/dispatch/). */
export const DISPATCH_COMMANDS = {
  register: {
    /** `skills`: the agent's skill keys, a topic's with `@<level>` (server/src/dispatcher/skills.ts); `capacity` in units. */
    args: Type.Object({
      agent: Id,
      name: Type.String(),
      tier: TierSchema,
      languages: Type.String(),
      topics: Type.String(),
      skills: Type.String(),
      capacity: Type.Integer({ minimum: 1 }),
    }),
    result: Type.Object({ status: AgentStatusSchema, wrap: Type.Boolean(), load: Type.Number() }),
  },
  status: {
    /** `by`: the supervisor who forces the status (the audit trail's actor), `force` then set. */
    args: Type.Object({ agent: Id, status: AgentStatusSchema, force: Type.Boolean(), by: Type.Optional(Id) }),
    result: Type.Object({ status: AgentStatusSchema }),
  },
  heartbeat: { args: Type.Object({ agents: Type.Array(Id) }), result: Nothing },
  /** The published catalog's service-level target, applied unless a newer version's is (server/src/catalog/). */
  catalog: { args: Type.Object({ version: Type.Integer({ minimum: 1 }), serviceLevelMs: Type.Integer({ minimum: 1 }) }), result: Type.Object({ applied: Type.Boolean() }) },
  request: {
    args: Type.Object({
      ...Session,
      createdAt: Type.String(),
      taxpayerSub: Id,
      taxpayerName: Type.String(),
      taxpayerId: Type.String(),
      company: Type.String(),
      language: Type.String(),
      topic: Type.String(),
      channel: Type.String(),
      priority: Type.String(),
      /** JSON of the entry point. */
      entry: Type.String(),
      /** The taxpayer's question ('' when none was typed). */
      question: Type.String(),
      /** Voice and video take the agent's whole capacity; text one unit. */
      wholeAgent: Type.Boolean(),
      band: Type.Integer(),
      ...Routing,
    }),
    result: Type.Object({ sessionId: Id }),
  },
  cancel: { args: Type.Object({ ...Session, taxpayerSub: Id }), result: StateResult },
  accept: {
    args: Type.Object(OfferOfAgent),
    result: Type.Object({ session: Id, kind: OfferEvent.properties.kind }),
  },
  decline: { args: Type.Object(OfferOfAgent), result: Type.Object(Session) },
  handover: {
    args: Type.Object({
      ...AgentInSession,
      kind: Type.Union([Type.Literal('escalation'), Type.Literal('transfer')]),
      language: Type.String(),
      topic: Type.String(),
      tier: TierSchema,
      note: Type.String(),
      ...Routing,
    }),
    result: StateResult,
  },
  cancelHandover: { args: Type.Object(AgentInSession), result: StateResult },
  leave: { args: Type.Object(AgentInSession), result: Type.Object(Session) },
  /** By the session's agent, or by its taxpayer hanging up. */
  finish: {
    args: Type.Object({ ...Session, agent: Type.Optional(Id), taxpayerSub: Type.Optional(Id) }),
    result: Type.Object({ state: SessionStateSchema, wrapUntil: Type.Optional(Type.Number()) }),
  },
  wrapUp: { args: Type.Object({ ...AgentInSession, notes: Type.String(), outcome: Type.String() }), result: StateResult },
  /** To one agent through an offer, or (without an agent) back to the head of the queue. */
  reassign: {
    args: Type.Object({ ...Session, agent: Type.Optional(Id), by: Id }),
    result: Type.Union([Type.Object({ offeredTo: Id, offer: Id }), StateResult]),
  },
  observe: {
    args: Type.Object({ ...Session, supervisor: Id, mode: Type.Union([Type.Literal('monitor'), Type.Literal('join')]) }),
    result: Type.Object({ ...Session, mode: Type.String() }),
  },
  unobserve: { args: Type.Object({ ...Session, supervisor: Id }), result: Type.Object(Session) },
  /** The taxpayer keeps the request's place for up to `holdMs` while away (docs/dispatcher.md, "Callback"). */
  callback: { args: Type.Object({ ...Session, taxpayerSub: Id, holdMs: Type.Integer({ minimum: 1 }) }), result: StateResult },
  /** The taxpayer came back to the agent a callback's offer is held for. */
  callbackAnswer: { args: Type.Object({ ...Session, taxpayerSub: Id }), result: StateResult },
  taxpayerGone: { args: Type.Object({ ...Session, taxpayerSub: Id, graceMs: Type.Number() }), result: Nothing },
  taxpayerBack: { args: Type.Object({ ...Session, taxpayerSub: Id }), result: StateResult },
  /** The taxpayer's rating of their session once it is over; the latest counts. */
  rate: { args: Type.Object({ ...Session, taxpayerSub: Id, score: Type.Integer({ minimum: 1, maximum: 5 }), comment: Type.String() }), result: Nothing },
  /**
   * Call-ins (server/lua/dispatch/call-in-commands.lua): to the named back-office `agent` (a
   * supervisor's, `by`), or to as many back-office agents with the queue's skill as `want` less
   * the queue's open call-ins — at most `maxOpen` open, none while the queue's cool-down runs, an
   * agent at most `agentMaxPerHour` times an hour.
   */
  callIn: {
    args: Type.Object({
      queue: Type.String(),
      trigger: CallInTriggerSchema,
      agent: Type.Optional(Id),
      by: Type.Optional(Id),
      note: Type.String(),
      gap: Type.Integer(),
      waitS: Type.Integer({ minimum: 0 }),
      want: Type.Integer({ minimum: 0 }),
      expiresMs: Type.Integer({ minimum: 1 }),
      cooldownMs: Type.Integer({ minimum: 0 }),
      maxOpen: Type.Integer({ minimum: 1 }),
      agentMaxPerHour: Type.Integer({ minimum: 1 }),
    }),
    result: Type.Object({ callIns: Type.Array(Type.Object({ callIn: Id, agent: Id })) }),
  },
  /** The agent's answer: `accept` makes it available (and offers it what waits), `decline` records its reason. */
  answerCallIn: {
    args: Type.Object({ callIn: Id, agent: Id, answer: Type.Union([Type.Literal('accept'), Type.Literal('decline')]), reason: Type.String() }),
    result: Type.Object({ status: AgentStatusSchema }),
  },
  /** Call-ins whose time ran out, closed as expired. */
  expireCallIns: { args: Type.Object({ limit: Type.Integer({ minimum: 1 }) }), result: Type.Object({ expired: Type.Integer() }) },
  sweep: {
    args: Type.Object({ limit: Type.Integer({ minimum: 1 }), heartbeatMs: Type.Number() }),
    result: Type.Object({
      offers: Type.Integer(),
      agents: Type.Integer(),
      abandoned: Type.Integer(),
      wrapups: Type.Integer(),
      widened: Type.Integer(),
      relaxed: Type.Integer(),
      /** Callbacks the taxpayer did not come back to (held offers ended, places no longer kept). */
      callbacksMissed: Type.Integer(),
    }),
  },
} as const satisfies ScriptCommands;
export type DispatchCommands = typeof DISPATCH_COMMANDS;
