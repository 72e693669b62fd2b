import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { DISPATCH_COMMANDS, Effect, ProtocolError } from '@etax-assist/protocol';
import type { RedisClient } from '../src/redis/client.js';
import { mendEmptyArrays } from '../src/redis/empty-arrays.js';
import { LuaScript } from '../src/redis/lua-script.js';

describe('LuaScript', () => {
  it('refuses arguments against the command declaration before calling Redis', async () => {
    const unreachable = {} as RedisClient; // any use of it would throw
    const script = new LuaScript(unreachable, DISPATCH_COMMANDS, { name: 'dispatcher', files: [] });
    const refusal = await script.reply('sweep', { limit: 0, heartbeatMs: 1000 }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ProtocolError);
    expect(refusal).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/^Invalid arguments of dispatcher sweep: \/limit/) });
  });

  it('reads an empty Lua table as an empty array wherever the schema says array', () => {
    const schema = Type.Object({ effects: Type.Array(Effect), nested: Type.Object({ list: Type.Array(Type.Array(Type.String())) }), other: Type.Object({}) });
    expect(mendEmptyArrays(schema, { effects: {}, nested: { list: [{}, ['a']] }, other: {} })).toEqual({ effects: [], nested: { list: [[], ['a']] }, other: {} });
    expect(mendEmptyArrays(Type.Array(Type.String()), {})).toEqual([]);
  });
});
