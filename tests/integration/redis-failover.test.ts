import { connect } from 'node:net';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInvariants } from '../harness/dispatch-invariants.js';
import { FailoverLoad } from '../harness/failover-load.js';
import { startTestPostgres, type TestPostgres } from '../harness/postgres.js';
import { startSentinelRedis, type TestSentinelRedis } from '../harness/sentinel.js';
import { CLUSTER_SECRETS, DEV_PASSWORDS, startTestService, type TestService } from '../harness/service.js';
import { connectSocket, request, requestOk, type TestSocket } from '../harness/socket.js';
import type { OfferEvent } from '@etax-assist/protocol';
import { EventLog } from '../harness/events.js';

/** Whether anything accepts a TCP connection on the loopback port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const AGENTS = ['agent1', 'agent2'] as const;

function processRuns(pid: number | undefined): boolean {
  try {
    process.kill(pid!, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Redis Sentinel under two instances (a primary, a replica, three sentinels; real processes): the
 * primary is killed (-9) while help requests are dispatched and chat relayed between the
 * instances; the service follows the replica the sentinels promote, and what it acknowledged
 * before is there after.
 */
/**
 * Not in `npm test` yet: on a loaded 2-core machine it failed in 3 runs of 3 (a promotion not seen
 * within 15 s; requests answered INTERNAL after a failover, as in `npm run bench:failover`), a
 * fault of the relay or the harness not found yet (issue #22). `ETAX_TEST_FAILOVER=1` runs it.
 */
const FAILOVER_TESTS = process.env.ETAX_TEST_FAILOVER === '1';

describe.runIf(FAILOVER_TESTS)('Redis Sentinel failover under a running cluster', () => {
  let redis: TestSentinelRedis;
  let postgres: TestPostgres;
  const instances: TestService<TestSentinelRedis>[] = [];
  const sockets: TestSocket[] = [];
  beforeAll(async () => {
    [redis, postgres] = await Promise.all([startSentinelRedis(), startTestPostgres()]);
    for (const id of ['one', 'two']) {
      // a long WAIT timeout: an acknowledgement held by a stalled replica stays held while the test kills the primary
      const env = { ...CLUSTER_SECRETS, INSTANCE_ID: id, REDIS_WAIT_TIMEOUT_MS: '5000', DISPATCH_OFFER_TIMEOUT_S: '3' };
      instances.push(await startTestService(env, { redis, postgres }));
    }
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    for (const instance of instances) await instance.stop().catch(() => {});
    await redis?.stop();
    await postgres?.stop();
  });

  it('follows the promoted replica under load: routing and relaying resume, nothing acknowledged is lost', async () => {
    const [one, two] = instances as [TestService<TestSentinelRedis>, TestService<TestSentinelRedis>];
    const agentTokens = await Promise.all(AGENTS.map((name) => two.staffToken(name, DEV_PASSWORDS[name])));
    const load = await FailoverLoad.start({ taxpayerUrl: one.url, taxpayerToken: (sub) => one.taxpayerToken({ sub }), agentUrl: two.url, agentTokens, concurrency: 4 });
    await expect.poll(() => load.relayed.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(5);

    const killedAt = Date.now();
    const dead = await redis.killPrimary();
    // the fault is real: the process is gone and its port refuses connections
    expect(processRuns(dead.server.pid)).toBe(false);
    expect(await listening(dead.port)).toBe(false);
    const promoted = await redis.promoted(dead);
    expect(promoted).not.toBe(dead);

    // dispatch and relay resume for requests made after the kill
    await expect.poll(() => load.relayed.filter(([sent]) => sent > killedAt).length, { timeout: 20_000 }).toBeGreaterThanOrEqual(3);
    await load.stop();
    // writes failed in between, with the retryable code
    expect(load.refusals.get('UNAVAILABLE') ?? 0).toBeGreaterThan(0);
    expect(load.unexpected).toEqual([]);
    const gapS = (Math.min(...load.relayed.filter(([sent]) => sent > killedAt).map(([, got]) => got)) - killedAt) / 1000;
    expect(gapS).toBeLessThan(10);

    // every acknowledged write is on the promoted node, and the dispatcher's state is consistent
    const follower = one.service.redis;
    expect(load.acked.sessions.length).toBeGreaterThan(5);
    for (const sessionId of load.acked.sessions) expect(await follower.exists(`sess:${sessionId}`), sessionId).toBe(1);
    for (const message of load.acked.messages) {
      const chat = await follower.xRange(`sess:${message.sessionId}:chat`, message.id, message.id);
      expect(
        chat.map((entry) => entry.message.text),
        message.text,
      ).toEqual([message.text]);
    }
    expect(await checkInvariants(follower, AGENTS, load.acked.sessions)).toEqual([]);
  }, 60_000);

  it('acknowledges a chat message only once the replica has it: a message the failover loses was never acknowledged', async () => {
    const [one, two] = instances as [TestService<TestSentinelRedis>, TestService<TestSentinelRedis>];
    // the node killed before comes back as the new primary's replica
    const dead = redis.nodes.find((node) => !processRuns(node.server.pid))!;
    await redis.restart(dead);
    const primary = await redis.primary();
    const direct = createClient({ socket: { host: '127.0.0.1', port: primary.port, reconnectStrategy: false } });
    direct.on('error', () => {});
    await direct.connect();
    await expect.poll(async () => /slave0:.*state=online/.test(await direct.info('replication')), { timeout: 10_000 }).toBe(true);

    const connect = async (url: string, token: string) => {
      const socket = await connectSocket(url, token);
      sockets.push(socket);
      return { socket, log: new EventLog(socket) };
    };
    // an agent the load did not use, on a topic of its own: nothing left over from the load is in the way
    const agent = await connect(two.url, await two.staffToken('agent3', 'agent3-pass'));
    await requestOk(agent.socket, 'agent:status', { status: 'available' });
    const taxpayer = await connect(one.url, one.taxpayerToken({ sub: 'tp-held' }));
    const { sessionId } = await requestOk(taxpayer.socket, 'help:request', { language: 'zh', topic: 'refund', channel: 'text', entry: { kind: 'portal', page: '/' } });
    const offer = await agent.log.next<OfferEvent>('offer:new', (o) => o.session.sessionId === sessionId);
    await requestOk(agent.socket, 'offer:accept', { offerId: offer.offerId });
    // the instances wait for the replica again once they have seen it back (an acknowledgement no longer counted as unreplicated)
    const unreplicated = async () => Number(/^etax_redis_unreplicated_acks_total (\d+)/m.exec(await one.metricsText())?.[1] ?? 0);
    let probe = 0;
    await expect
      .poll(
        async () => {
          const before = await unreplicated();
          await requestOk(taxpayer.socket, 'chat:send', { sessionId, text: `probe ${probe++}` });
          return (await unreplicated()) === before;
        },
        { timeout: 10_000, interval: 200 },
      )
      .toBe(true);

    // the replica stalls and loses its link (bytes already sent to it would still reach it after a
    // mere SIGSTOP): the primary has the message, the replica does not, and the primary dies
    const replica = redis.nodes.find((node) => node !== primary)!;
    process.kill(replica.server.pid!, 'SIGSTOP');
    await direct.sendCommand(['CLIENT', 'KILL', 'TYPE', 'replica']);
    const held = request(taxpayer.socket, 'chat:send', { sessionId, text: 'held' });
    await expect.poll(async () => (await direct.xRange(`sess:${sessionId}:chat`, '-', '+')).some((e) => e.message.text === 'held'), { timeout: 5000 }).toBe(true);
    direct.destroy();
    await redis.killPrimary();
    process.kill(replica.server.pid!, 'SIGCONT');
    const ack = await held;
    await redis.promoted(primary);

    const follower = one.service.redis;
    await expect.poll(() => follower.ping().catch(() => 'down'), { timeout: 10_000 }).toBe('PONG');
    const kept = (await follower.xRange(`sess:${sessionId}:chat`, '-', '+')).map((e) => e.message.text);
    // the failover did lose the message (it never reached the replica)…
    expect(kept).not.toContain('held');
    // …and its sender was told so: retryable, not done
    expect(ack.ok ? 'acknowledged' : ack.error.code).toBe('UNAVAILABLE');
  }, 60_000);
});
