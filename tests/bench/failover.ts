// npm run bench:failover — the gap a Redis Sentinel failover leaves in the service, and what the
// WAIT before an acknowledgement costs. A primary, a replica and three sentinels (down after 1 s,
// quorum 2) under two instances; a stream of help requests dispatched to agents on the other
// instance, each with a chat message relayed back. The primary is killed (-9) FAILOVERS times (the
// killed node comes back as the replica each time); per failover: when the sentinels named the new
// primary, when the first help request accepted after the kill was offered to an agent, when the
// first message sent after it reached the agent. Then chat:send acknowledgements, one after another
// and 20 at once, through an instance that waits for the replica and through one that does not.
import { performance } from 'node:perf_hooks';
import { createClient } from 'redis';
import { FailoverLoad } from '../harness/failover-load.js';
import { percentiles } from '../harness/percentiles.js';
import { startTestPostgres } from '../harness/postgres.js';
import { ScriptRun } from '../harness/script-run.js';
import { startSentinelRedis, type RedisNode, type TestSentinelRedis } from '../harness/sentinel.js';
import { CLUSTER_SECRETS, DEV_PASSWORDS, startTestService, type TestService } from '../harness/service.js';
import { connectSocket, requestOk, type TestSocket } from '../harness/socket.js';
import type { OfferEvent } from '@etax-assist/protocol';
import { EventLog } from '../harness/events.js';

const FAILOVERS = Number(process.env.BENCH_FAILOVERS ?? 5);
const ACKS = Number(process.env.BENCH_ACKS ?? 200);

const run = new ScriptRun('bench:failover');
run.at('start the sentinel deployment and PostgreSQL');
const redis = run.own('sentinel deployment', await startSentinelRedis(), (r) => r.stop());
const postgres = run.postgres(await startTestPostgres());
const instances: TestService<TestSentinelRedis>[] = [];
await run.step('start the instances', async () => {
  for (const [id, waitReplicas] of [
    ['one', '1'],
    ['two', '1'],
    ['no-wait', '0'],
  ]) {
    const env = { ...CLUSTER_SECRETS, INSTANCE_ID: id!, REDIS_WAIT_REPLICAS: waitReplicas!, DISPATCH_OFFER_TIMEOUT_S: '3', CHAT_MAX_PER_MINUTE: '10000' };
    instances.push(run.own(`instance ${id}`, await startTestService(env, { redis, postgres }), (s) => s.stop()));
  }
});
const [one, two, noWait] = instances as [TestService<TestSentinelRedis>, TestService<TestSentinelRedis>, TestService<TestSentinelRedis>];

/** Until the primary reports `count` replicas online (asked on a fresh connection each time: the sentinels close clients of a node they just promoted). */
async function replicasOnline(primary: RedisNode, count: number): Promise<void> {
  const until = Date.now() + 30_000;
  for (;;) {
    const client = createClient({ socket: { host: '127.0.0.1', port: primary.port, reconnectStrategy: false } });
    client.on('error', () => {});
    const info = await client
      .connect()
      .then(() => client.info('replication'))
      .catch(() => '');
    if (client.isOpen) client.destroy();
    if (info.split('\n').filter((line) => /^slave\d+:.*state=online/.test(line)).length >= count) return;
    if (Date.now() > until) throw new Error('the replica did not come online');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const s = (ms: number): string => (ms / 1000).toFixed(2);
const rows: string[] = [];
const agentTokens = await Promise.all((['agent1', 'agent2'] as const).map((name) => two.staffToken(name, DEV_PASSWORDS[name])));
const load = await FailoverLoad.start({ taxpayerUrl: one.url, taxpayerToken: (sub) => one.taxpayerToken({ sub }), agentUrl: two.url, agentTokens, concurrency: 4 });
for (let i = 1; i <= FAILOVERS; i++) {
  await run.step(`failover ${i}`, async () => {
    const served = load.relayed.length;
    while (load.relayed.length < served + 5) await new Promise((resolve) => setTimeout(resolve, 50));
    const killedAt = Date.now();
    const dead = await redis.killPrimary();
    const promoted = await redis.promoted(dead, 30_000);
    const promotedAt = Date.now();
    const first = (pairs: [number, number][]) => Math.min(...pairs.filter(([asked]) => asked > killedAt).map(([, got]) => got));
    while (!Number.isFinite(first(load.relayed)) || !Number.isFinite(first(load.dispatched))) {
      if (Date.now() - killedAt > 60_000) {
        const after = (pairs: [number, number][]) => pairs.filter(([asked]) => asked > killedAt).length;
        throw new Error(
          `the service did not resume within 60 s (after the kill: ${after(load.dispatched)} dispatched, ${after(load.relayed)} relayed; refusals ${JSON.stringify(Object.fromEntries(load.refusals))})`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    rows.push(`| ${i} | ${s(promotedAt - killedAt)} | ${s(first(load.dispatched) - killedAt)} | ${s(first(load.relayed) - killedAt)} |`);
    await redis.restart(dead);
    await replicasOnline(promoted, 1);
    // the instances notice the replica back within a second (ReplicationBarrier's probe)
    await new Promise((resolve) => setTimeout(resolve, 1500));
  });
}
await load.stop();
const refusals = JSON.stringify(Object.fromEntries(load.refusals));

const latency = await run.step('acknowledgement latency with and without WAIT', async () => {
  const agentSocket = await connectSocket(two.url, await two.staffToken('agent3', 'agent3-pass'));
  const agent = new EventLog(agentSocket);
  await requestOk(agentSocket, 'agent:status', { status: 'available' });
  const taxpayerToken = one.taxpayerToken({ sub: 'tp-bench-acks' });
  const waiting = await connectSocket(one.url, taxpayerToken);
  const { sessionId } = await requestOk(waiting, 'help:request', { language: 'zh', topic: 'refund', channel: 'text', entry: { kind: 'portal', page: '/' } });
  const offer = await agent.next<OfferEvent>('offer:new', (o) => o.session.sessionId === sessionId);
  await requestOk(agentSocket, 'offer:accept', { offerId: offer.offerId });
  const notWaiting = await connectSocket(noWait.url, taxpayerToken);
  const measure = async (socket: TestSocket, concurrent: number) => {
    const times: number[] = [];
    for (let sent = 0; sent < ACKS; sent += concurrent) {
      await Promise.all(
        Array.from({ length: concurrent }, async (_, k) => {
          const start = performance.now();
          await requestOk(socket, 'chat:send', { sessionId, text: `ack ${sent + k}` });
          times.push(performance.now() - start);
        }),
      );
    }
    return percentiles(times);
  };
  const result = { waitOne: await measure(waiting, 1), noWaitOne: await measure(notWaiting, 1), waitMany: await measure(waiting, 20), noWaitMany: await measure(notWaiting, 20) };
  for (const socket of [agentSocket, waiting, notWaiting]) socket.close();
  return result;
});

const ms = (v: number) => v.toFixed(2);
console.log(`bench:failover — ${FAILOVERS} kill -9 of the primary under load (1 primary + 1 replica + 3 sentinels, down-after 1 s), seconds after the kill:\n`);
console.log('| failover | new primary named | first dispatch | first relay |\n|---|---|---|---|');
for (const row of rows) console.log(row);
console.log(`\nrefusals seen by the load (retried): ${refusals}; acknowledged: ${load.acked.sessions.length} help requests, ${load.acked.messages.length} messages\n`);
console.log(`chat:send acknowledgement latency, ${ACKS} each (ms):\n`);
console.log('| | one at a time p50 | p99 | 20 at once p50 | p99 |\n|---|---|---|---|---|');
console.log(`| WAIT 1 replica | ${ms(latency.waitOne.p50)} | ${ms(latency.waitOne.p99)} | ${ms(latency.waitMany.p50)} | ${ms(latency.waitMany.p99)} |`);
console.log(`| no WAIT | ${ms(latency.noWaitOne.p50)} | ${ms(latency.noWaitOne.p99)} | ${ms(latency.noWaitMany.p50)} | ${ms(latency.noWaitMany.p99)} |`);
await run.done();
