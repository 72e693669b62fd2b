import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { CLUSTER_WIRE_VERSION, ProtocolError, type InstanceInfo } from '@etax-assist/protocol';
import { Forwarder, type InstanceCallHandlers } from '../src/cluster/forwarder.js';
import type { RedisClient } from '../src/redis/client.js';

type Listener = (message: string) => void;

/** Redis pub/sub in memory: every client made from one bus hears what any of them publishes. */
class FakeBus {
  readonly listeners = new Map<string, Listener[]>();

  client(): RedisClient {
    const fake = {
      isOpen: true,
      duplicate: () => this.client(),
      on: () => fake,
      connect: async () => {},
      close: async () => {
        fake.isOpen = false;
      },
      subscribe: async (channel: string, listener: Listener) => {
        this.listeners.set(channel, [...(this.listeners.get(channel) ?? []), listener]);
      },
      publish: async (channel: string, message: string) => this.publish(channel, message),
    };
    return fake as unknown as RedisClient;
  }

  publish(channel: string, message: string): number {
    const listeners = this.listeners.get(channel) ?? [];
    for (const listener of listeners) setImmediate(() => listener(message));
    return listeners.length;
  }

  /** The next message published on the channel. */
  next(channel: string): Promise<Record<string, unknown>> {
    return new Promise((resolve) => {
      this.listeners.set(channel, [...(this.listeners.get(channel) ?? []), (message) => resolve(JSON.parse(message) as Record<string, unknown>)]);
    });
  }
}

const log = pino({ level: 'silent' });
const info: InstanceInfo = { id: 'b', url: 'http://b', rooms: 0, sockets: 0, draining: true, startedAt: 1, at: 2 };
const done = async () => ({});
const handlers: InstanceCallHandlers = {
  'media:request': async () => ({}),
  'media:socket-gone': done,
  'media:close-session': done,
  'media:remove-peer': done,
  'cluster:drain': async () => info,
};

async function rejection(promise: Promise<unknown>): Promise<ProtocolError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ProtocolError);
  return error as ProtocolError;
}

describe('calls between instances (Forwarder)', () => {
  const started: Forwarder[] = [];
  const start = async (bus: FakeBus, id: string, serve?: InstanceCallHandlers): Promise<Forwarder> => {
    const forwarder = await Forwarder.start(bus.client(), id, 1000, log);
    if (serve) await forwarder.serve(serve);
    started.push(forwarder);
    return forwarder;
  };
  afterEach(async () => {
    await Promise.all(started.splice(0).map((f) => f.stop()));
  });

  it("answers a declared call with its handler's result", async () => {
    const bus = new FakeBus();
    const a = await start(bus, 'a');
    await start(bus, 'b', handlers);
    expect(await a.call('b', 'cluster:drain', {})).toEqual(info);
  });

  it("refuses a payload that does not match the call's schema, naming what is wrong", async () => {
    const bus = new FakeBus();
    const a = await start(bus, 'a');
    await start(bus, 'b', handlers);
    const error = await rejection(a.call('b', 'media:remove-peer', { sessionId: 's-1' } as never));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toContain('media:remove-peer payload');
  });

  it("refuses a result that does not match the call's schema", async () => {
    const bus = new FakeBus();
    const a = await start(bus, 'a');
    await start(bus, 'b', { ...handlers, 'cluster:drain': async () => ({ id: 'b' }) as InstanceInfo });
    const error = await rejection(a.call('b', 'cluster:drain', {}));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toContain('cluster:drain result');
  });

  it('answers a caller of another wire version with VERSION_MISMATCH, and runs nothing', async () => {
    const bus = new FakeBus();
    let drained = false;
    await start(bus, 'b', { ...handlers, 'cluster:drain': async () => ((drained = true), info) });
    const reply = bus.next('cluster:rpc-reply:old');
    bus.publish('cluster:rpc:b', JSON.stringify({ v: CLUSTER_WIRE_VERSION + 1, id: 'r-1', from: 'old', method: 'cluster:drain' }));
    expect(await reply).toMatchObject({
      v: CLUSTER_WIRE_VERSION,
      id: 'r-1',
      ok: false,
      error: { code: 'VERSION_MISMATCH', details: { caller: CLUSTER_WIRE_VERSION + 1, answerer: CLUSTER_WIRE_VERSION } },
    });
    expect(drained).toBe(false);
  });

  it('refuses a reply of another wire version with VERSION_MISMATCH', async () => {
    const bus = new FakeBus();
    const a = await start(bus, 'a');
    const request = bus.next('cluster:rpc:old');
    const call = a.call('old', 'cluster:drain', {});
    const { id } = await request;
    bus.publish('cluster:rpc-reply:a', JSON.stringify({ v: CLUSTER_WIRE_VERSION + 1, id, ok: true, result: { drained: 'yes' } }));
    const error = await rejection(call);
    expect(error.code).toBe('VERSION_MISMATCH');
    expect(error.details).toEqual({ caller: CLUSTER_WIRE_VERSION, answerer: CLUSTER_WIRE_VERSION + 1 });
  });

  it('answers an undeclared call with BAD_REQUEST', async () => {
    const bus = new FakeBus();
    await start(bus, 'b', handlers);
    const reply = bus.next('cluster:rpc-reply:a');
    bus.publish('cluster:rpc:b', JSON.stringify({ v: CLUSTER_WIRE_VERSION, id: 'r-2', from: 'a', name: 'media:teleport', payload: {} }));
    expect(await reply).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', message: 'Unknown instance call "media:teleport"' } });
  });

  it('fails at once with UNAVAILABLE when nobody serves the target', async () => {
    const bus = new FakeBus();
    const a = await start(bus, 'a');
    expect((await rejection(a.call('gone', 'cluster:drain', {}))).code).toBe('UNAVAILABLE');
  });
});
