// npm run chaos: faults under load. Three instances (separate processes) on one Redis behind a TCP
// load balancer; simulated taxpayers and agents (tests/load/simulation.ts) that reconnect by
// themselves as the SDK and the console do. Then, one after the other: kill -9 an instance;
// restart Redis; cut a taxpayer's network for 10 s; cut an agent's; slow an agent down
// (backpressure). Each fault is first proven to have happened, then the expected outcome is
// checked: every session's mirror flows again, nobody is assigned twice (the dispatcher's
// invariants), queues and recordings are intact. Exits 1 if any check fails.
//
// CHAOS_SESSIONS (150), CHAOS_PER_AGENT (20).
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'redis';
import { TcpBalancer } from '../harness/balancer.js';
import { checkInvariants } from '../harness/dispatch-invariants.js';
import { startTestPostgres } from '../harness/postgres.js';
import { startTestRedis } from '../harness/redis.js';
import { ScriptRun } from '../harness/script-run.js';
import { Agent, Run, Taxpayer, ask, connect, percentile, spawnInstances, staffToken, taxpayerToken } from './simulation.js';

const SESSIONS = Number(process.env.CHAOS_SESSIONS ?? 150);
const PER_AGENT = Number(process.env.CHAOS_PER_AGENT ?? 20);
const RECOVERY_S = 20;

const results: { check: string; ok: boolean; detail: string }[] = [];
function check(name: string, ok: boolean, detail: string): void {
  results.push({ check: name, ok, detail });
  console.log(`${ok ? 'PASS' : 'FAIL'}  ${name} — ${detail}`);
}

const script = new ScriptRun('chaos');
script.at('start Redis, 3 instances and the balancers');
const redis = script.redis(await startTestRedis());
const postgres = script.postgres(await startTestPostgres());
const instances = await spawnInstances(3, redis.url, postgres.url, PER_AGENT, script);
const balancer = await TcpBalancer.start(instances.map((i) => i.url));
// the clients whose networks are cut get lanes of their own, so their connections are known
const taxpayerLane = await TcpBalancer.start(instances.map((i) => i.url));
const agentLane = await TcpBalancer.start(instances.map((i) => i.url));
const slowLane = await TcpBalancer.start(instances.map((i) => i.url));
const run = new Run();
const db = createClient({ url: redis.url });
db.on('error', () => {});
await db.connect();

script.at(`${SESSIONS} sessions`);
const taxpayers = new Map<string, Taxpayer>();
let laneTaxpayer: Taxpayer | undefined;
const agents: Agent[] = [];
const agentCount = Math.ceil(SESSIONS / PER_AGENT) + 1;
for (let a = 0; a < agentCount; a++) {
  const lane = a === 0 ? agentLane : a === 1 ? slowLane : balancer;
  const agent = new Agent(
    await connect(lane.url, staffToken(a), run, true),
    run,
    (sessionId) =>
      void taxpayers
        .get(sessionId)
        ?.share()
        .catch(() => {}),
  );
  await ask(agent.socket, 'agent:status', { status: 'available' }, run);
  agents.push(agent);
}
const replay = setInterval(() => {
  for (const tp of taxpayers.values()) tp.tick();
}, 50);
for (let i = 0; i < SESSIONS; i++) {
  const tp = new Taxpayer(await connect((i === 0 ? taxpayerLane : balancer).url, taxpayerToken(i), run, true), run);
  const summary = await ask<{ sessionId: string }>(
    tp.socket,
    'help:request',
    { language: 'zh', topic: 'refund', channel: 'text', entry: { kind: 'portal', page: '/demo/refund.html' } },
    run,
  );
  tp.sessionId = summary.sessionId;
  taxpayers.set(summary.sessionId, tp);
  if (i === 0) laneTaxpayer = tp;
  if (i % 50 === 49) await sleep(1000);
}
const agentOf = (sessionId: string) => agents.find((a) => a.sessions.has(sessionId));
const held = () => [...taxpayers.keys()].filter((id) => agentOf(id)?.lastEventAt.has(id)).length;
for (let t = 0; t < 60 && held() < SESSIONS; t++) await sleep(1000);
check('all sessions up', held() === SESSIONS, `${held()} of ${SESSIONS} sessions mirrored`);

/** Sessions whose agent has received mirror events since `since` (ms epoch). */
const flowingSince = (since: number, only?: string[]) => (only ?? [...taxpayers.keys()]).filter((id) => (agentOf(id)?.lastEventAt.get(id) ?? 0) > since);
async function allFlowAgain(name: string, since: number): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < RECOVERY_S * 1000 && flowingSince(since).length < SESSIONS) await sleep(500);
  const n = flowingSince(since).length;
  check(`${name}: every session's mirror flows again`, n === SESSIONS, `${n} of ${SESSIONS} within ${((Date.now() - since) / 1000).toFixed(1)} s`);
}
async function invariants(name: string): Promise<void> {
  const agentIds = Array.from({ length: agentCount }, (_, a) => `load-agent-${a}`);
  const problems = await checkInvariants(db, agentIds, [...taxpayers.keys()]);
  const states = await Promise.all([...taxpayers.keys()].map((id) => db.hGet(`sess:${id}`, 'state')));
  check(
    `${name}: nobody assigned twice, loads and queues consistent`,
    problems.length === 0,
    problems.length ? problems.slice(0, 3).join('; ') : `${agentIds.length} agents, ${states.filter((s) => s === 'active').length} active sessions`,
  );
}
const recordings = async () => (await Promise.all([...taxpayers.keys()].map((id) => db.xLen(`cb:${id}:rec`)))).reduce((a, b) => a + b, 0);

// recordings are flushed every COBROWSE_RECORDING_FLUSH_MS (5 s): let every session write some first
await sleep(6000);
const chunksAtKill = await recordings();
check('recordings written before the faults', chunksAtKill >= SESSIONS, `${chunksAtKill} chunks`);
// 1. kill -9 an instance
script.at('1. kill -9 an instance');
{
  const victim = instances[1]!;
  const disconnectsBefore = run.disconnects;
  const at = Date.now();
  victim.proc.child.kill('SIGKILL');
  await victim.proc.exited;
  await sleep(2000);
  check('kill -9: the fault happened', run.disconnects > disconnectsBefore, `${run.disconnects - disconnectsBefore} client connections dropped with the instance`);
  await allFlowAgain('kill -9', at);
  await invariants('kill -9');
}

// 2. restart Redis
script.at('2. restart Redis');
{
  const at = Date.now();
  const before = redis.redis;
  await redis.restart();
  check('Redis restart: the fault happened', redis.redis !== before, 'a new redis-server process reloaded the append-only file');
  await allFlowAgain('Redis restart', at);
  await invariants('Redis restart');
  const chunks = await recordings();
  check('Redis restart: no recording chunk lost', chunks >= chunksAtKill, `${chunksAtKill} chunks before the faults, ${chunks} after the restart`);
}

// 3. a taxpayer's network drops for 10 s
script.at("3. a taxpayer's network drops");
{
  const tp = laneTaxpayer!;
  const agent = agentOf(tp.sessionId)!;
  const [pipe] = taxpayerLane.pipes;
  const cutting = taxpayerLane.cut(pipe!, 10_000);
  await sleep(2000);
  const silentFrom = Date.now();
  await sleep(6000);
  const last = agent.lastEventAt.get(tp.sessionId) ?? 0;
  check('taxpayer cut: the fault happened', last < silentFrom, `no mirror events for 6 s during the cut (last ${((silentFrom - last) / 1000).toFixed(1)} s before)`);
  await cutting;
  const back = Date.now();
  while (Date.now() - back < RECOVERY_S * 1000 && (agent.lastEventAt.get(tp.sessionId) ?? 0) < back) await sleep(250);
  check(
    'taxpayer cut: the session resumes',
    (agent.lastEventAt.get(tp.sessionId) ?? 0) >= back,
    `mirror back ${(((agent.lastEventAt.get(tp.sessionId) ?? 0) - back) / 1000).toFixed(1)} s after the network; session ${await db.hGet(`sess:${tp.sessionId}`, 'state')}`,
  );
}

// 4. an agent's network drops for 10 s
script.at("4. an agent's network drops");
{
  const agent = agents[0]!;
  const mine = [...agent.sessions.keys()];
  const [pipe] = agentLane.pipes;
  const cutting = agentLane.cut(pipe!, 10_000);
  await sleep(2000);
  const silentFrom = Date.now();
  await sleep(6000);
  const heard = mine.filter((id) => (agent.lastEventAt.get(id) ?? 0) >= silentFrom).length;
  check('agent cut: the fault happened', heard === 0, `none of its ${mine.length} mirrors updated during the cut`);
  await cutting;
  const back = Date.now();
  while (Date.now() - back < RECOVERY_S * 1000 && flowingSince(back, mine).length < mine.length) await sleep(250);
  const kept = (await Promise.all(mine.map((id) => db.hGet(`sess:${id}`, 'agent')))).filter((a) => a === 'load-agent-0').length;
  check(
    'agent cut: its sessions resume, still its own',
    flowingSince(back, mine).length === mine.length && kept === mine.length,
    `${flowingSince(back, mine).length} of ${mine.length} mirrors back, ${kept} still assigned to it`,
  );
}

// 5. an agent that does not keep up (backpressure): the others are not held back
script.at('5. an agent that does not keep up');
{
  const slow = agents[1]!;
  const mine = [...slow.sessions.keys()];
  const [pipe] = slowLane.pipes;
  run.lat.mirror.length = 0;
  run.measuring = true;
  const slowing = slowLane.slow(pipe!, 10_000);
  await sleep(2000);
  const stalledFrom = Date.now();
  await sleep(6000);
  const heard = mine.filter((id) => (slow.lastEventAt.get(id) ?? 0) >= stalledFrom).length;
  check('slow agent: the fault happened', heard === 0, `its ${mine.length} mirrors received nothing for 6 s`);
  const others = percentile(run.lat.mirror, 99);
  check('slow agent: the other agents are not held back', others < 200, `others' mirror p99 ${others} ms during the stall`);
  run.measuring = false;
  await slowing;
  const back = Date.now();
  while (Date.now() - back < RECOVERY_S * 1000 && flowingSince(back, mine).length < mine.length) await sleep(250);
  const fresh = mine.filter((id) => (slow.lastSnapshotAt.get(id) ?? 0) >= back).length;
  // a backlog past COBROWSE_MAX_AGENT_BACKLOG is replaced by a fresh mirror; a smaller one (held in
  // the kernel's socket buffers) is delivered as it was
  check(
    'slow agent: it catches up',
    flowingSince(back, mine).length === mine.length,
    `${flowingSince(back, mine).length} of ${mine.length} mirrors live again, ${fresh} of them rebuilt from a fresh snapshot`,
  );
}

script.at('at the end');
await invariants('at the end');
const chunksAtEnd = await recordings();
check('recordings still written after the faults', chunksAtEnd > chunksAtKill, `${chunksAtKill} chunks before the faults, ${chunksAtEnd} at the end`);
const unclear = run.errors.filter((e) => !/: [A-Z_]+$/.test(e));
check(
  'every failure was a clear error',
  unclear.length === 0,
  `${run.errors.length} refused requests (${[...new Set(run.errors)].slice(0, 4).join(', ') || 'none'}), ${unclear.length} without a code`,
);

// what the instances logged as failed, for the record
for (const [i, instance] of instances.entries()) {
  const failures = instance.proc
    .output()
    .split('\n')
    .filter((line) => line.includes('"level":50'));
  const kinds = [...new Set(failures.map((line) => /"msg":"([^"]*)"/.exec(line)?.[1] ?? line.slice(0, 120)))];
  if (failures.length) console.log(`instance ${i + 1}: ${failures.length} errors logged: ${kinds.join(' | ')}`);
  const internal = failures.find((line) => line.includes('socket request failed'));
  if (internal) console.log(`  e.g. ${internal.slice(0, 700)}`);
}
clearInterval(replay);
for (const tp of taxpayers.values()) tp.stop();
for (const agent of agents) agent.socket.close();
await db.close().catch(() => {});
for (const lane of [balancer, taxpayerLane, agentLane, slowLane]) await lane.close();
for (const instance of instances) {
  instance.proc.child.kill('SIGTERM');
  await instance.proc.exited;
  rmSync(instance.dataDir, { recursive: true, force: true });
}
await redis.stop();
const failed = results.filter((r) => !r.ok);
console.log(`\n${results.length - failed.length} of ${results.length} checks passed (${SESSIONS} sessions, 3 instances)`);
if (failed.length) await script.fail(new Error(`${failed.length} of ${results.length} checks failed`));
await script.done();
