// npm run load: simulated taxpayers and agents (socket.io clients, no browsers) against 1 and then
// 3 instances of the service on one Redis, each instance its own process, clients spread over the
// instances as a load balancer would (a taxpayer and its agent on different instances when there
// are several). Each taxpayer asks for help, shares its screen and replays the rrweb trace recorded
// from the demo portal's refund form (tests/load/traces, `npm run load:capture`) in a loop; each
// agent declines some offers, accepts the rest, watches the mirror, takes control and clicks, and
// chats. Reports sessions held, latencies (help → offer, accept → mirror, mirror, control, chat)
// p50/p99, CPU and memory per instance, Redis CPU and ops/s, errors.
//
// LOAD_SESSIONS (500), LOAD_INSTANCES (1,3), LOAD_WINDOW_S (30), LOAD_PER_AGENT (20),
// LOAD_DECLINE_PCT (10), LOAD_RAMP_PER_S (50).
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'redis';
import { startTestPostgres } from '../harness/postgres.js';
import { startTestRedis } from '../harness/redis.js';
import { ScriptRun } from '../harness/script-run.js';
import { Agent, DECLINE_PCT, Run, Taxpayer, ask, connect, cpuTicks, percentile, rssMb, spawnInstances, staffToken, taxpayerToken, trace, traceLengthMs } from './simulation.js';

const SESSIONS = Number(process.env.LOAD_SESSIONS ?? 500);
const INSTANCE_COUNTS = (process.env.LOAD_INSTANCES ?? '1,3').split(',').map(Number);
const WINDOW_S = Number(process.env.LOAD_WINDOW_S ?? 30);
const PER_AGENT = Number(process.env.LOAD_PER_AGENT ?? 20);
const RAMP_PER_S = Number(process.env.LOAD_RAMP_PER_S ?? 50);
const CONTROL_EVERY_MS = 5000;
const CHAT_EVERY_MS = 5000;

const script = new ScriptRun('load');

async function runAgainst(count: number) {
  script.at(`start Redis and ${count} instance(s)`);
  const redis = script.redis(await startTestRedis());
  const postgres = script.postgres(await startTestPostgres());
  const instances = await spawnInstances(count, redis.url, postgres.url, PER_AGENT, script);
  script.at(`${SESSIONS} sessions on ${count} instance(s)`);
  const run = new Run();
  const urlFor = (i: number) => instances[i % count]!.url;
  const taxpayers = new Map<string, Taxpayer>();
  const agents: Agent[] = [];
  const onSession = (sessionId: string): void => {
    const tp = taxpayers.get(sessionId);
    if (tp) void tp.share().catch(() => {});
  };
  for (let a = 0; a < Math.ceil(SESSIONS / PER_AGENT) + 1; a++) {
    const agent = new Agent(await connect(urlFor(a), staffToken(a), run), run, onSession);
    await ask(agent.socket, 'agent:status', { status: 'available' }, run);
    agents.push(agent);
  }
  // help → offer: from the taxpayer's request to the first offer any agent receives for it
  const askedAt = new Map<string, number>();
  for (const agent of agents) {
    agent.socket.on('offer:new', (o: { session: { taxpayer: { sub: string } } }) => {
      const asked = askedAt.get(o.session.taxpayer.sub);
      if (asked === undefined) return;
      run.note('helpToOffer', Date.now() - asked);
      askedAt.delete(o.session.taxpayer.sub);
    });
  }
  const replay = setInterval(() => {
    for (const tp of taxpayers.values()) tp.tick();
  }, 50);
  // ramp up: RAMP_PER_S new requests a second, each taxpayer on another instance than most agents
  for (let i = 0; i < SESSIONS; i++) {
    const tp = new Taxpayer(await connect(urlFor(i + 1), taxpayerToken(i), run), run);
    askedAt.set(`load-tp-${i}`, Date.now());
    const summary = await ask<{ sessionId: string }>(
      tp.socket,
      'help:request',
      { language: 'zh', topic: 'refund', channel: 'text', entry: { kind: 'portal', page: '/demo/refund.html' } },
      run,
    );
    tp.sessionId = summary.sessionId;
    taxpayers.set(summary.sessionId, tp);
    if (i % RAMP_PER_S === RAMP_PER_S - 1) await sleep(1000);
  }
  const held = () => agents.reduce((n, a) => n + [...a.sessions.values()].filter((s) => s.mirrored).length, 0);
  const rampDeadline = Date.now() + 60_000;
  while (held() < SESSIONS && Date.now() < rampDeadline) await sleep(500);

  // the measured window: control clicks and chat on top of the trace replay, each session at its
  // own moment in the period (people do not click in unison)
  const STEP_MS = 100;
  let step = 0;
  const timers = [
    setInterval(() => {
      step++;
      let index = 0;
      for (const agent of agents) {
        for (const [sessionId, s] of agent.sessions) {
          index++;
          const tp = taxpayers.get(sessionId);
          if (!tp) continue;
          if ((step + index) % (CONTROL_EVERY_MS / STEP_MS) === 0) {
            const seq = ++s.controlSeq;
            tp.controlSent.set(seq, Date.now());
            agent.socket.emit('cobrowse:control-input', { sessionId, input: { action: 'click', nodeId: seq } }, (ack: { ok: boolean; error?: { code: string } }) => {
              if (!ack.ok && ack.error?.code !== 'FORBIDDEN') run.error(`control-input: ${ack.error?.code}`);
            });
          }
          if ((step + index * 7) % (CHAT_EVERY_MS / STEP_MS) === 0) {
            agent.socket.emit('chat:send', { sessionId, text: `${Date.now()} 请核对开户银行` }, (ack: { ok: boolean; error?: { code: string } }) => {
              if (!ack.ok) run.error(`chat:send: ${ack.error?.code}`);
            });
          }
        }
      }
    }, STEP_MS),
  ];
  const redisClient = createClient({ url: redis.url });
  await redisClient.connect();
  const commands = async () => Number(/total_commands_processed:(\d+)/.exec(await redisClient.info('stats'))?.[1] ?? 0);
  await sleep(2000);
  const pids = instances.map((i) => i.proc.child.pid!);
  const cpu0 = pids.map(cpuTicks);
  const redisCpu0 = cpuTicks(redis.redis.pid!);
  const commands0 = await commands();
  const errors0 = run.errors.length;
  run.measuring = true;
  const t0 = Date.now();
  await sleep(WINDOW_S * 1000);
  const elapsed = (Date.now() - t0) / 1000;
  run.measuring = false;
  const row = {
    instances: count,
    sessionsHeld: held(),
    helpToOffer: `${percentile(run.lat.helpToOffer, 50)} / ${percentile(run.lat.helpToOffer, 99)}`,
    acceptToMirror: `${percentile(run.lat.acceptToMirror, 50)} / ${percentile(run.lat.acceptToMirror, 99)}`,
    mirror: `${percentile(run.lat.mirror, 50)} / ${percentile(run.lat.mirror, 99)}`,
    control: `${percentile(run.lat.control, 50)} / ${percentile(run.lat.control, 99)}`,
    chat: `${percentile(run.lat.chat, 50)} / ${percentile(run.lat.chat, 99)}`,
    mirrorBatches: run.lat.mirror.length,
    cpuPctPerInstance: pids.map((pid, i) => (((cpuTicks(pid) - cpu0[i]!) / 100 / elapsed) * 100).toFixed(0)).join(', '),
    rssMbPerInstance: pids.map((pid) => rssMb(pid).toFixed(0)).join(', '),
    redisCpuPct: (((cpuTicks(redis.redis.pid!) - redisCpu0) / 100 / elapsed) * 100).toFixed(0),
    redisOpsPerS: Math.round(((await commands()) - commands0) / elapsed),
    errorsInWindow: run.errors.length - errors0,
    errorsTotal: run.errors.length,
    errorKinds: [...new Set(run.errors)].slice(0, 5).join('; '),
  };
  for (const timer of [...timers, replay]) clearInterval(timer);
  for (const tp of taxpayers.values()) tp.stop();
  for (const agent of agents) agent.socket.close();
  await redisClient.close();
  for (const instance of instances) {
    instance.proc.child.kill('SIGTERM');
    await instance.proc.exited;
    rmSync(instance.dataDir, { recursive: true, force: true });
  }
  await redis.stop();
  return row;
}

const rows = [];
for (const count of INSTANCE_COUNTS) {
  const row = await runAgainst(count);
  console.log(JSON.stringify(row));
  rows.push(row);
}
console.log(
  `\n${SESSIONS} co-browsing + chat sessions (trace ${trace.batches.length} batches / ${(traceLengthMs / 1000).toFixed(0)} s, looped), ${PER_AGENT} per agent, ${DECLINE_PCT}% declined first, control click and chat every 5 s per session; ${WINDOW_S} s window; latencies p50 / p99 ms\n`,
);
console.log(
  '| instances | sessions held | help → offer | accept → mirror | mirror | control | chat | CPU % per instance | RSS MB per instance | Redis CPU % | Redis ops/s | errors |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.instances} | ${r.sessionsHeld} | ${r.helpToOffer} | ${r.acceptToMirror} | ${r.mirror} | ${r.control} | ${r.chat} | ${r.cpuPctPerInstance} | ${r.rssMbPerInstance} | ${r.redisCpuPct} | ${r.redisOpsPerS} | ${r.errorsTotal} |`,
  );
}
await script.done();
