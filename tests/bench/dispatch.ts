// npm run bench:dispatch — routing decisions per second and decision latency against a real
// redis-server, for 100, 1,000 and 10,000 agents, each with a burst of 10,000 help requests.
// A decision is one help request routed: the eligible agent found (the highest level for the
// topic, idle longest within it) and reserved (two-phase offer), or the request queued when
// nobody fits. Agents have levels 1–5 for their topics; requests accept every level from the
// start, so the same agents are eligible as before routing by proficiency (an A/B compares the
// same decisions).
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { Dispatcher, connectRedis, loadConfig } from '@etax-assist/server';
import type { Channel } from '@etax-assist/protocol';
import { startTestRedis } from '../harness/redis.js';
import { ScriptRun } from '../harness/script-run.js';

const AGENT_COUNTS = (process.env.BENCH_AGENTS ?? '100,1000,10000').split(',').map(Number);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 10_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const LANGUAGES = ['zh', 'en'];
const TOPICS = ['invoice', 'refund', 'social-insurance', 'registration'];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

const run = new ScriptRun('bench:dispatch');
run.at('start redis-server');
const redisServer = run.redis(await startTestRedis());
const config = loadConfig({ NODE_ENV: 'test', REDIS_URL: redisServer.url, DISPATCH_PROFICIENCY_STEPS: '[{"afterS":0,"minLevel":1}]' });
const log = pino({ level: 'silent' });
// One Redis connection per concurrent caller, as separate instances would have.
const clients = await Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => connectRedis(redisServer.url, log, `bench-${i}`)));
const dispatchers = clients.map((client) => new Dispatcher(client, config.dispatch, { current: { version: 1, ...config.catalog.seed } }));
const rows: string[] = [];
const redisCpuS = async (): Promise<number> => {
  const cpu = await clients[0]!.info('cpu');
  const seconds = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(cpu)?.[1] ?? 0);
  return seconds('used_cpu_user') + seconds('used_cpu_sys');
};

for (const agentCount of AGENT_COUNTS) {
  run.at(`${agentCount} agents`);
  await clients[0]!.flushAll();
  for (const d of dispatchers) await d.start();
  const d0 = dispatchers[0]!;
  let seed = 1;
  const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)] as T;
  for (let i = 0; i < agentCount; i += 200) {
    await Promise.all(
      Array.from({ length: Math.min(200, agentCount - i) }, async (_, j) => {
        const id = `agent${i + j}`;
        const languages = random() < 0.3 ? LANGUAGES : [pick(LANGUAGES)];
        const topics = TOPICS.filter(() => random() < 0.5);
        // levels spread over 1–5 without drawing from the generator: the same agents as the runs before levels
        const skills = (topics.length ? topics : [pick(TOPICS)]).map((topic, k) => ({ topic, level: 1 + ((i + j + k) % 5) }));
        const tier = random() < 0.1 ? 'expert' : 'frontline';
        await d0.register({ id, name: id, tier, languages, topics: skills, capacity: config.dispatch.textSessionsPerAgent });
        await d0.setStatus(id, 'available');
      }),
    );
  }

  const latencies: number[] = [];
  const latencyOf = new Map<string, number>();
  const offeredSessions = new Set<string>();
  for (const d of dispatchers) {
    d.on('effects', (effects) => {
      for (const e of effects) if (e.t === 'offer') offeredSessions.add(e.session);
    });
  }
  await clients[0]!.configResetStat();
  const cpuBefore = await redisCpuS();
  let next = 0;
  const started = performance.now();
  await Promise.all(
    dispatchers.map(async (d) => {
      while (next < REQUESTS) {
        const n = next++;
        const channel: Channel = n % 2 === 0 ? 'text' : 'voice';
        const t0 = performance.now();
        const sessionId = await d.request(
          { sub: `tp${agentCount}-${n}`, role: 'taxpayer', name: 'bench' },
          { language: pick(LANGUAGES), topic: pick(TOPICS), channel, priority: n % 10 === 0 ? 'elderly' : 'normal', entry: { kind: 'portal', page: '/' } },
        );
        const ms = performance.now() - t0;
        latencies.push(ms);
        latencyOf.set(sessionId, ms);
      }
    }),
  );
  const elapsedS = (performance.now() - started) / 1000;
  // Time Redis itself spent per routing decision (the Lua script), without client or network.
  // CPU the redis-server process used per decision (INFO cpu: user + system time, which time
  // spent waiting for a core on a loaded machine does not inflate, unlike the call's wall time)
  const redisCpuUs = (((await redisCpuS()) - cpuBefore) * 1e6) / REQUESTS;
  const stats = await clients[0]!.info('commandstats');
  const evalsha = /cmdstat_evalsha:calls=(\d+),usec=(\d+),usec_per_call=([\d.]+)/.exec(stats);
  // Redis commands the script ran per decision (commandstats counts a script's own calls): the
  // work of a decision, which the machine's load does not change
  const scriptCalls = [...stats.matchAll(/cmdstat_([a-z|]+):calls=(\d+)/g)]
    .filter(([, name]) => !/^(evalsha|info|config|client|hello|select|ping|script)/.test(name ?? ''))
    .reduce((sum, [, , calls]) => sum + Number(calls), 0);
  for (const d of dispatchers) d.removeAllListeners('effects');
  latencies.sort((a, b) => a - b);
  const byOutcome = (offeredOnes: boolean) =>
    [...latencyOf]
      .filter(([id]) => offeredSessions.has(id) === offeredOnes)
      .map(([, ms]) => ms)
      .sort((a, b) => a - b);
  const offeredLat = byOutcome(true);
  const queuedLat = byOutcome(false);
  const offered = offeredLat.length;
  const fmt = (sorted: number[]) => (sorted.length ? `${percentile(sorted, 50).toFixed(2)} / ${percentile(sorted, 99).toFixed(2)}` : '–');
  const row = {
    agents: agentCount,
    requests: REQUESTS,
    offered,
    queued: REQUESTS - offered,
    decisionsPerS: Math.round(REQUESTS / elapsedS),
    p50ms: percentile(latencies, 50).toFixed(2),
    p99ms: percentile(latencies, 99).toFixed(2),
    redisUsPerDecision: evalsha ? Number(evalsha[3]).toFixed(1) : 'n/a',
    redisCommandsPerDecision: (scriptCalls / REQUESTS).toFixed(1),
    redisCpuUsPerDecision: redisCpuUs.toFixed(1),
    offeredP50P99: fmt(offeredLat),
    queuedP50P99: fmt(queuedLat),
  };
  rows.push(
    `| ${row.agents} | ${row.requests} | ${row.offered} | ${row.queued} | ${row.decisionsPerS} | ${row.p50ms} | ${row.p99ms} | ${row.offeredP50P99} | ${row.queuedP50P99} | ${row.redisUsPerDecision} | ${row.redisCpuUsPerDecision} | ${row.redisCommandsPerDecision} |`,
  );
  console.log(JSON.stringify(row));
}

console.log(`\nconcurrency ${CONCURRENCY} callers, each on its own Redis connection\n`);
console.log(
  '| agents | requests | offered | queued | decisions/s | p50 ms | p99 ms | offered p50 / p99 ms | queued p50 / p99 ms | Redis µs/decision | Redis CPU µs/decision | Redis commands/decision |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
for (const client of clients) await client.close();
await run.done();
