import { EventEmitter } from 'node:events';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { RedisClient } from '../src/redis/client.js';
import { ReplicationBarrier, unreplicatedAcks } from '../src/redis/replication-barrier.js';

/** The part of a client the barrier uses: WAIT, INFO replication and the 'ready' event, as a primary with `online` replicas answers them. */
class FakePrimary extends EventEmitter {
  waits: [number, number][] = [];
  online = 1;
  reached = 1;
  failWait = false;
  wait(replicas: number, timeoutMs: number): Promise<number> {
    this.waits.push([replicas, timeoutMs]);
    return this.failWait ? Promise.reject(new Error('Socket closed unexpectedly')) : Promise.resolve(this.reached);
  }
  info(): Promise<string> {
    return Promise.resolve(
      [
        '# Replication',
        'role:master',
        `connected_slaves:${this.online}`,
        ...Array.from({ length: this.online }, (_, i) => `slave${i}:ip=127.0.0.1,port=1,state=online,offset=1,lag=0`),
      ].join('\r\n'),
    );
  }
}

const counted = async (): Promise<number> => (await unreplicatedAcks.get()).values[0]?.value ?? 0;

function barrier(primary: FakePrimary, replicas = 1): ReplicationBarrier {
  return new ReplicationBarrier(primary as unknown as RedisClient, { replicas, timeoutMs: 500 }, pino({ level: 'silent' }));
}

describe('ReplicationBarrier: acknowledgements wait for the replicas', () => {
  it('sends one WAIT for every acknowledgement of the same turn', async () => {
    const primary = new FakePrimary();
    const acks = barrier(primary);
    await Promise.all([acks.confirm(), acks.confirm(), acks.confirm()]);
    expect(primary.waits).toEqual([[1, 500]]);
    await acks.confirm();
    expect(primary.waits).toHaveLength(2);
  });

  it('does not wait with REDIS_WAIT_REPLICAS=0', async () => {
    const primary = new FakePrimary();
    await barrier(primary, 0).confirm();
    expect(primary.waits).toEqual([]);
  });

  it('rejects when the WAIT fails (whether the write reached a replica is unknown)', async () => {
    const primary = new FakePrimary();
    primary.failWait = true;
    await expect(barrier(primary).confirm()).rejects.toThrow('Socket closed unexpectedly');
  });

  it('with too few replicas online after a (re)connection: no WAIT, counted, until a probe finds them back', async () => {
    const primary = new FakePrimary();
    const acks = barrier(primary);
    await acks.confirm();
    primary.online = 0;
    primary.emit('ready'); // a new connection, to a primary without replicas
    const before = await counted();
    await acks.confirm();
    await acks.confirm();
    expect(primary.waits).toHaveLength(1);
    expect(await counted()).toBe(before + 2);
    primary.online = 1;
    await expect.poll(async () => (await acks.confirm(), primary.waits.length), { timeout: 3000, interval: 100 }).toBe(2);
    acks.stop();
  });

  it('counts an acknowledgement whose WAIT timed out short of the replicas', async () => {
    const primary = new FakePrimary();
    primary.reached = 0;
    const acks = barrier(primary);
    const before = await counted();
    await acks.confirm();
    expect(await counted()).toBe(before + 1);
    acks.stop();
  });
});
