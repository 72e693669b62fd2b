import { Type } from '@sinclair/typebox';
import { CobrowseState } from './cobrowse.js';
import { OutboxActor } from './outbox.js';
import type { ScriptCommands } from './script-command.js';

const Session = { session: Type.String() };
const Agent = { agent: Type.String() };
/** The person whose command it is, for the audit trail. */
const By = { by: OutboxActor };

/**
 * The commands of the co-browsing consent and live buffer script (server/lua/cobrowse.lua). Every
 * change of consent or control is recorded in the records outbox in the same call
 * (COBROWSE_EVENT_KINDS).
 */
export const COBROWSE_COMMANDS = {
  share: { args: Type.Object({ ...Session, ...By, sharing: Type.Boolean() }), result: CobrowseState },
  /** `events`: the batch's JSON as relayed; `fullJson`: from the last full snapshot on, when it holds one. */
  batch: {
    args: Type.Object({
      ...Session,
      seq: Type.Integer(),
      count: Type.Integer(),
      events: Type.String(),
      fullJson: Type.Optional(Type.String()),
      maxPerSecond: Type.Integer(),
      maxLive: Type.Integer(),
    }),
    result: Type.Object({ snapshotWanted: Type.Boolean(), liveId: Type.Optional(Type.String()) }),
  },
  watch: {
    args: Type.Object(Session),
    result: Type.Object({ state: CobrowseState, batches: Type.Array(Type.String()), liveId: Type.Optional(Type.String()) }),
  },
  request: { args: Type.Object({ ...Session, ...By, ...Agent, agentName: Type.String(), timeoutMs: Type.Number() }), result: CobrowseState },
  answer: { args: Type.Object({ ...Session, ...By, grant: Type.Boolean(), requester: Type.String() }), result: CobrowseState },
  release: { args: Type.Object({ ...Session, ...Agent }), result: Type.Object({ changed: Type.Boolean(), state: CobrowseState }) },
  /** Without an agent: the taxpayer takes control back. */
  stop: { args: Type.Object({ ...Session, ...By, agent: Type.Optional(Type.String()) }), result: CobrowseState },
  input: { args: Type.Object({ ...Session, ...Agent }), result: Type.Object({}) },
  /** The states of the sessions whose control request lapsed. */
  expire: { args: Type.Object({}), result: Type.Array(CobrowseState) },
  close: { args: Type.Object({ ...Session, retentionS: Type.Integer() }), result: CobrowseState },
} as const satisfies ScriptCommands;
