import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CHAT_COMMANDS,
  COBROWSE_COMMANDS,
  COBROWSE_EVENT_KINDS,
  DISPATCH_COMMANDS,
  Effect,
  MOVE_COMMANDS,
  OFFER_KINDS,
  OUTBOX_FULL,
  RECORDING_COMMANDS,
  SESSION_CODE_COMMANDS,
  SESSION_EVENT_KINDS,
  SESSION_TRANSITIONS,
  SIGNIN_COMMANDS,
  type ScriptCommands,
} from '@etax-assist/protocol';
import { DISPATCH_FILES } from '../src/dispatcher/script.js';
import { luaLocal } from '../src/redis/lua-source.js';

const lua = (files: readonly string[]) => files.map((file) => readFileSync(join(import.meta.dirname, '../lua', file), 'utf8')).join('\n');
const matches = (source: string, pattern: RegExp) => [...new Set([...source.matchAll(pattern)].map((m) => m[1]!))].sort();

const SCRIPTS: [string, readonly string[], ScriptCommands][] = [
  ['dispatcher', DISPATCH_FILES, DISPATCH_COMMANDS],
  ['co-browsing', ['cobrowse.lua'], COBROWSE_COMMANDS],
  ['recording', ['recording.lua'], RECORDING_COMMANDS],
  ['sign-in', ['signin.lua'], SIGNIN_COMMANDS],
  ['session code', ['session-code.lua'], SESSION_CODE_COMMANDS],
  ['chat', ['chat.lua'], CHAT_COMMANDS],
  ['session move', ['moves.lua'], MOVE_COMMANDS],
];

describe('the Lua scripts and their declarations in protocol/', () => {
  for (const [name, files, commands] of SCRIPTS) {
    it(`the ${name} script has exactly the declared commands`, () => {
      expect(matches(lua(files), /^function commands\.(\w+)\(/gm)).toEqual(Object.keys(commands).sort());
    });
  }

  it('the dispatcher emits exactly the declared effect kinds', () => {
    const declared = Effect.anyOf.map((alternative) => alternative.properties.t.const);
    expect(matches(lua(DISPATCH_FILES), /emit\(\{ t = '([\w-]+)'/g)).toEqual([...declared].sort());
  });

  it('the dispatcher records exactly the declared session event kinds in the outbox', () => {
    const source = lua(DISPATCH_FILES);
    const logged = matches(source, /log_event\(s, \{ '(\w+)'/g);
    // a state change is logged by set_state, a supervisor's observation under its mode
    expect(source).toContain("local entry = { 'state', state }");
    expect(source).toContain('log_event(s, { args.mode, args.supervisor })');
    expect([...new Set([...logged, 'state', 'monitor', 'join'])].sort()).toEqual([...SESSION_EVENT_KINDS].sort());
  });

  it('the co-browsing script records exactly the declared consent and control kinds in the outbox', () => {
    const source = lua(['cobrowse.lua']);
    // `stop` records by who stopped it: `audit(args.agent and 'control-stopped' or 'control-revoked', …)`
    const recorded = [...source.matchAll(/audit\((?:args\.agent and )?'([\w-]+)'(?: or '([\w-]+)')?/g)].flatMap((m) => [m[1]!, ...(m[2] ? [m[2]] : [])]);
    expect([...new Set(recorded)].sort()).toEqual([...COBROWSE_EVENT_KINDS].sort());
  });

  it('the dispatcher refuses a help request while the outbox is full with the declared reason', () => {
    expect(lua(DISPATCH_FILES)).toContain(`reason = '${OUTBOX_FULL}'`);
  });

  it('the dispatcher makes exactly the transitions of the session lifecycle', () => {
    const source = lua(DISPATCH_FILES);
    const named = matches(source, /(?:(?:guard|next_state|session_of_taxpayer)\('|requeue_at_head\(s, '|session_of_agent\(s, a, '[^']*', '|NEXT_STATE\[')([\w:]+)/g);
    // accept and hand-over transitions are looked up by the offer's or the hand-over's kind
    expect(source).toContain("'accept:' .. kind");
    expect(source).toContain("'handover:' .. args.kind");
    const byKind = [...OFFER_KINDS.map((kind) => `accept:${kind}`), 'handover:escalation', 'handover:transfer'];
    expect([...named, ...byKind].sort()).toEqual(Object.keys(SESSION_TRANSITIONS).sort());
  });
});

describe('what TypeScript hands a Lua script', () => {
  it('turns key functions into Lua functions and tables into Lua tables', () => {
    expect(luaLocal('key', { agent: (id: string) => `dp:agent:${id}`, index: (skill: string, kind: string) => `dp:idx:${skill}:${kind}`, agents: 'dp:agents' })).toBe(
      'local key = { ["agent"] = function(p0) return "dp:agent:" .. p0 end, ["index"] = function(p0, p1) return "dp:idx:" .. p0 .. ":" .. p1 end, ["agents"] = "dp:agents" }',
    );
    expect(luaLocal('T', { 'wrap-up': { from: ['a'], n: 1, on: true } })).toBe('local T = { ["wrap-up"] = { ["from"] = { "a" }, ["n"] = 1, ["on"] = true } }');
  });
});
