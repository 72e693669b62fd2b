// npm run bench:thin-link — a video call with co-browsing over a rural hall's thin, lossy link
// (issue 20, item 4): the taxpayer's Chromium in a network namespace whose link to the host is
// shaped (tc tbf, a ~400 ms queue) and loses packets at random (nftables, every packet: the
// co-browsing's TCP too), the agent's outside. Phases: the open link (the floor, same run),
// 300 kbit/s, 300 kbit/s + 3 % loss, a 30 s drop to 100 kbit/s, back to 300 kbit/s (loss kept).
// Each phase's condition is read back from the kernel (and its loss counter seen counting) before
// it is measured. Every second both sides' WebRTC figures are read; the mirror's latency is
// measured throughout (5 changes/s, as typing). Prints a summary per phase and a series every
// 5 s (markdown), and writes every second to test-artifacts/thin-link-<time>.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ARTIFACTS_DIR } from '../harness/browser.js';
import { LinkShaper, type Flow } from '../harness/link-shaper.js';
import { shareAndProbe, takeMirrorLatencies } from '../harness/mirror-latency.js';
import { OfficeNetwork } from '../harness/office-network.js';
import { percentile, percentiles } from '../harness/percentiles.js';
import { growth, readRtcTotals, recordPeerConnections, type RtcTotals } from '../harness/rtc-stats.js';
import { ScriptRun } from '../harness/script-run.js';

interface Phase {
  name: string;
  seconds: number;
  /** The link's rate each way; undefined: not shaped. */
  rateKbit?: number;
  lossPct: number;
}

const PHASES: Phase[] = [
  { name: 'open link', seconds: 20, lossPct: 0 },
  { name: '300 kbit/s', seconds: 30, rateKbit: 300, lossPct: 0 },
  { name: '300 kbit/s + 3 % loss', seconds: 30, rateKbit: 300, lossPct: 3 },
  { name: '100 kbit/s + 3 % loss', seconds: 30, rateKbit: 100, lossPct: 3 },
  { name: 'back to 300 kbit/s + 3 % loss', seconds: Number(process.env.BENCH_BACK_S ?? 60), rateKbit: 300, lossPct: 3 },
];
/** How long a phase's condition is watched in effect before it is measured. */
const PROOF_S = 3;
const MIRROR_CHANGE_MS = 200;
/** BENCH_AGENT_SIMULCAST=0: the agent sends one encoding (as before simulcast), for comparison. */
const AGENT_SIMULCAST = process.env.BENCH_AGENT_SIMULCAST !== '0';

/** One second of the call, as both sides' browsers read it. */
interface Second {
  at: number;
  phase: string;
  measured: boolean;
  taxpayer: RtcTotals;
  agent: RtcTotals;
  /** Bytes on the wire at the taxpayer's end so far, per flow (LinkShaper.countFlows). */
  flows: Record<Flow, number>;
  /** What the taxpayer sends after the SDK's fallbacks. */
  mode: string;
  quality: string | undefined;
}

/** What one second's readings say, against the second before. */
interface Rates {
  t: number;
  phase: string;
  measured: boolean;
  sentKbps: number;
  sentSize: string;
  sentFps: number;
  limitation: string;
  estimateKbps: number | undefined;
  agentReceivesKbps: number;
  agentReceivesSize: string;
  taxpayerReceivesKbps: number;
  taxpayerReceivesSize: string;
  agentSentKbps: number;
  audioUp: AudioSecond;
  audioDown: AudioSecond;
  /** kbit/s at the taxpayer's end: the media's payload by kind (getStats) and the wire's by flow (nftables). */
  flows: { audioUp: number; videoUp: number; audioDown: number; videoDown: number } & Record<Flow, number>;
  mode: string;
  quality: string | undefined;
}

interface AudioSecond {
  received: number;
  lost: number;
  samples: number;
  concealed: number;
  events: number;
  jitterMs: number;
}

const run = new ScriptRun('bench:thin-link');
const loadAtStart = loadavg()[0]!;
run.at('start the office network');
const office = run.own(
  'office network',
  await OfficeNetwork.start('tl-thin', 70),
  (o) => o.stop(),
  (o) => [o.inside.browser.process()?.pid, o.outside.browser.process()?.pid, o.service.redis.redis.pid, o.service.postgres.postgres.pid],
);
const shaper = new LinkShaper(office.ns);
shaper.countFlows();

run.at('open the call and the co-browsing');
const call = run.own('call', await office.openCall('tp-thin-link', { beforeLoad: recordPeerConnections, agentSimulcast: AGENT_SIMULCAST }), (c) => c.close());
const [taxpayer, agent] = [call.taxpayer.page, call.agent.page];
await taxpayer.evaluate(() => {
  const w = window as any;
  w.bench = { modes: [[Date.now(), w.sdk.call.mode, null]] };
  w.sdk.call.on('mode', (mode: string, reason: string | undefined) => w.bench.modes.push([Date.now(), mode, reason ?? null]));
});
await agent.evaluate(() => {
  const w = window as any;
  w.bench = { peerModes: [] };
  w.sdk.call.on('peer-mode', (_peer: unknown, mode: string, reason: string | undefined) => w.bench.peerModes.push([Date.now(), mode, reason ?? null]));
});
await taxpayer.evaluate(() => {
  // each co-browsing batch the recorder sends: when, its size, whether a full snapshot, how long its answer took, the error
  const w = window as any;
  const connection = w.sdk.connection;
  const request = connection.request.bind(connection);
  w.bench.batches = [];
  connection.request = async (name: string, payload: { events: { type: number }[] }) => {
    if (name !== 'cobrowse:events') return request(name, payload);
    const row: [number, number, boolean, number, string | null] = [Date.now(), JSON.stringify(payload.events).length, payload.events.some((e) => e.type === 2), 0, null];
    w.bench.batches.push(row);
    try {
      return await request(name, payload);
    } catch (error) {
      row[4] = (error as { code?: string }).code ?? String(error);
      throw error;
    } finally {
      row[3] = Date.now() - row[0];
    }
  };
});
const totalS = PHASES.reduce((sum, p) => sum + p.seconds + PROOF_S, 0);
await shareAndProbe(taxpayer, agent, call.sessionId, MIRROR_CHANGE_MS, Math.ceil(((totalS + 10) * 1000) / MIRROR_CHANGE_MS));

const seconds: Second[] = [];
let current = { phase: PHASES[0]!.name, measured: false };
let sampling = true;
const sampler = (async () => {
  for (let next = Date.now(); sampling; next += 1000) {
    const [tp, ag, sdk] = await Promise.all([
      readRtcTotals(taxpayer),
      readRtcTotals(agent),
      taxpayer.evaluate(() => ({ mode: (window as any).sdk.call.mode as string, quality: (window as any).sdk.call.link?.quality as string | undefined })),
    ]);
    seconds.push({ at: tp.at, ...current, taxpayer: tp, agent: ag, flows: shaper.flowBytes(), ...sdk });
    await sleep(Math.max(0, next + 1000 - Date.now()));
  }
})();

/** The kernel shapes both ends as the phase says and, on a lossy link, its loss counter counts. */
async function proveInEffect(phase: Phase): Promise<string> {
  const { host, inside } = shaper.rates();
  if (host !== phase.rateKbit || inside !== phase.rateKbit) throw new Error(`${phase.name}: the link is shaped to ${host}/${inside} kbit/s`);
  const droppedBefore = phase.lossPct > 0 ? shaper.dropped() : 0;
  await sleep(PROOF_S * 1000);
  if (phase.lossPct === 0) {
    if (phase.rateKbit === undefined && !(await office.udpArrives())) throw new Error('open link: UDP does not arrive');
    return phase.rateKbit === undefined ? 'not shaped, UDP arrives' : `tbf ${phase.rateKbit} kbit/s both ends`;
  }
  const dropped = shaper.dropped() - droppedBefore;
  if (dropped === 0) throw new Error(`${phase.name}: no packet dropped in ${PROOF_S} s`);
  return `tbf ${phase.rateKbit} kbit/s both ends, ${dropped} packets dropped in ${PROOF_S} s`;
}

const proofs: string[] = [];
const mirror: Record<string, number[]> = {};
const phaseStarts: Record<string, number> = {};
for (const phase of PHASES) {
  await run.step(phase.name, async () => {
    if (phase.rateKbit === undefined) shaper.clear();
    else shaper.shape(phase.rateKbit, phase.lossPct, 'all');
    current = { phase: phase.name, measured: false };
    proofs.push(`${phase.name}: ${await proveInEffect(phase)}`);
    await takeMirrorLatencies(agent);
    phaseStarts[phase.name] = Date.now();
    current = { phase: phase.name, measured: true };
    await sleep(phase.seconds * 1000);
    mirror[phase.name] = await takeMirrorLatencies(agent);
  });
}
sampling = false;
await sampler;
shaper.clear();

run.at('report');
const modes = await taxpayer.evaluate(() => (window as any).bench.modes as [number, string, string | null][]);
const batches = await taxpayer.evaluate(() => (window as any).bench.batches as [number, number, boolean, number, string | null][]);
const peerModes = await agent.evaluate(() => (window as any).bench.peerModes as [number, string, string | null][]);
/** The SDK's own readings of the link (MediaCall 'link' events), for the JSON. */
const links = await taxpayer.evaluate(() => (window as any).sdk.links as unknown[]);
const callLog = await taxpayer.evaluate(() => ({ states: (window as any).sdk.states as unknown[], errors: (window as any).sdk.callErrors as unknown[] }));
const started = seconds[0]!.at;
const kbps = (bytes: number, ms: number) => (ms > 0 ? Math.round((bytes * 8) / ms) : 0);
const audio = (now: RtcTotals['audioIn'], before: RtcTotals['audioIn']): AudioSecond => ({
  received: growth(now.packetsReceived, before.packetsReceived),
  lost: growth(now.packetsLost, before.packetsLost),
  samples: growth(now.totalSamplesReceived, before.totalSamplesReceived),
  concealed: growth(now.concealedSamples, before.concealedSamples),
  events: growth(now.concealmentEvents, before.concealmentEvents),
  jitterMs: now.jitterMs,
});
const rates: Rates[] = seconds.slice(1).map((s, i) => {
  const before = seconds[i]!;
  const ms = s.at - before.at;
  const tp = s.taxpayer;
  return {
    t: Math.round((s.at - started) / 1000),
    phase: s.phase,
    measured: s.measured,
    sentKbps: kbps(growth(tp.videoOut.bytesSent, before.taxpayer.videoOut.bytesSent), ms),
    sentSize: `${tp.videoOut.width}×${tp.videoOut.height}`,
    sentFps: tp.videoOut.fps,
    limitation: tp.videoOut.limitation,
    estimateKbps: tp.availableOutgoingKbps,
    agentReceivesKbps: kbps(growth(s.agent.videoIn.bytesReceived, before.agent.videoIn.bytesReceived), ms),
    agentReceivesSize: `${s.agent.videoIn.width}×${s.agent.videoIn.height}`,
    taxpayerReceivesKbps: kbps(growth(tp.videoIn.bytesReceived, before.taxpayer.videoIn.bytesReceived), ms),
    taxpayerReceivesSize: `${tp.videoIn.width}×${tp.videoIn.height}`,
    agentSentKbps: kbps(growth(s.agent.videoOut.bytesSent, before.agent.videoOut.bytesSent), ms),
    audioUp: audio(s.agent.audioIn, before.agent.audioIn),
    audioDown: audio(tp.audioIn, before.taxpayer.audioIn),
    flows: {
      audioUp: kbps(growth(tp.audioOut.bytesSent, before.taxpayer.audioOut.bytesSent), ms),
      videoUp: kbps(growth(tp.videoOut.bytesSent, before.taxpayer.videoOut.bytesSent), ms),
      audioDown: kbps(growth(tp.audioIn.bytesReceived, before.taxpayer.audioIn.bytesReceived), ms),
      videoDown: kbps(growth(tp.videoIn.bytesReceived, before.taxpayer.videoIn.bytesReceived), ms),
      udpUp: kbps(s.flows.udpUp - before.flows.udpUp, ms),
      udpDown: kbps(s.flows.udpDown - before.flows.udpDown, ms),
      tcpUp: kbps(s.flows.tcpUp - before.flows.tcpUp, ms),
      tcpDown: kbps(s.flows.tcpDown - before.flows.tcpDown, ms),
    },
    mode: s.mode,
    quality: s.quality,
  };
});

const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
const mostCommon = (values: string[]) => [...new Set(values)].sort((a, b) => values.filter((v) => v === b).length - values.filter((v) => v === a).length)[0] ?? '–';
const pct = (part: number, whole: number) => (whole > 0 ? ((100 * part) / whole).toFixed(1) : '–');
const audioSummary = (list: AudioSecond[]) => {
  const sum = (key: keyof AudioSecond) => list.reduce((total, a) => total + a[key], 0);
  return `${pct(sum('lost'), sum('lost') + sum('received'))} · ${pct(sum('concealed'), sum('samples'))} · ${sum('events')} · ${median(list.map((a) => a.jitterMs))}`;
};
const at = (ms: number, phase: string) => `+${((ms - phaseStarts[phase]!) / 1000).toFixed(0)} s`;
const changesIn = (list: [number, string, string | null][], phase: Phase) => {
  const from = phaseStarts[phase.name]! - PROOF_S * 1000;
  const to = phaseStarts[phase.name]! + phase.seconds * 1000;
  return list
    .filter(([when]) => when >= from && when < to)
    .map(([when, mode, reason]) => `${mode}${reason ? ` (${reason})` : ''} ${at(when, phase.name)}`)
    .join(', ');
};

const summaries = PHASES.map((phase) => {
  const list = rates.filter((r) => r.phase === phase.name && r.measured);
  const video = list.filter((r) => r.mode === 'video');
  const latencies = percentiles(mirror[phase.name] ?? []);
  return {
    phase,
    sentKbps: median(list.map((r) => r.sentKbps)),
    sentSize: mostCommon(video.map((r) => r.sentSize)),
    sentFps: median(video.map((r) => r.sentFps)),
    limitation: mostCommon(video.map((r) => r.limitation)),
    estimateKbps: median(list.map((r) => r.estimateKbps ?? 0)),
    agentReceivesKbps: median(list.map((r) => r.agentReceivesKbps)),
    agentReceivesSize: mostCommon(video.map((r) => r.agentReceivesSize)),
    taxpayerReceivesKbps: median(list.map((r) => r.taxpayerReceivesKbps)),
    taxpayerReceivesSize: mostCommon(list.map((r) => r.taxpayerReceivesSize)),
    agentSentKbps: median(list.map((r) => r.agentSentKbps)),
    audioUp: audioSummary(list.map((r) => r.audioUp)),
    audioDown: audioSummary(list.map((r) => r.audioDown)),
    flows: Object.fromEntries(Object.keys(list[0]?.flows ?? {}).map((key) => [key, median(list.map((r) => r.flows[key as keyof Rates['flows']]))])) as Rates['flows'],
    batches: (() => {
      const sent = batches.filter(([when]) => when >= phaseStarts[phase.name]! && when < phaseStarts[phase.name]! + phase.seconds * 1000);
      const errors = [...new Set(sent.map((b) => b[4]).filter((e) => e !== null))];
      return `${sent.length} · ${Math.round(sent.reduce((sum, b) => sum + b[1], 0) / 1024)} KB · ${sent.filter((b) => b[2]).length} · ${median(sent.map((b) => b[3]))} ms${errors.length ? ` · ${errors.join(', ')}` : ''}`;
    })(),
    poorS: list.filter((r) => r.quality === 'poor').length,
    seconds: list.length,
    latencies,
    modes: changesIn(modes, phase),
    peerModes: changesIn(peerModes, phase),
  };
});
const floor = summaries[0]!;
const ratio = (value: number, base: number) => (base > 0 ? `${(value / base).toFixed(1)}×` : '–');
for (const s of summaries) {
  // the sent rate held to the link's: the shaping was in the way of the call, not beside it
  if (s.phase.rateKbit !== undefined && s.sentKbps > s.phase.rateKbit)
    await run.fail(new Error(`${s.phase.name}: video sent at ${s.sentKbps} kbit/s (median) over a ${s.phase.rateKbit} kbit/s link`));
}

const lines: string[] = [];
lines.push(`agent's camera: ${AGENT_SIMULCAST ? 'simulcast' : 'one encoding'}`);
lines.push(`${cpus().length} cores, load average ${loadAtStart.toFixed(2)} at the start, ${loadavg()[0]!.toFixed(2)} at the end`);
lines.push(`conditions in effect: ${proofs.join('; ')}`, '');
lines.push(
  '| phase | video sent kbit/s (× floor) · size · fps | limited by | estimate kbit/s | agent receives kbit/s · size | agent sends kbit/s → taxpayer receives kbit/s · size | "poor" shown | taxpayer sends | agent told |',
);
lines.push('|---|---|---|---:|---|---|---:|---|---|');
for (const s of summaries) {
  lines.push(
    `| ${s.phase.name} | ${s.sentKbps} (${ratio(s.sentKbps, floor.sentKbps)}) · ${s.sentSize} · ${s.sentFps} | ${s.limitation} | ${s.estimateKbps} | ${s.agentReceivesKbps} · ${s.agentReceivesSize} | ${s.agentSentKbps} → ${s.taxpayerReceivesKbps} · ${s.taxpayerReceivesSize} | ${s.poorS}/${s.seconds} s | ${s.modes || '–'} | ${s.peerModes || '–'} |`,
  );
}
lines.push(
  '',
  '| phase | audio ↑ (agent hears) loss % · concealed % · events · jitter ms | audio ↓ (taxpayer hears) loss % · concealed % · events · jitter ms | mirror p50 / p95 / p99 ms (n) | mirror p99 × floor |',
);
lines.push('|---|---|---|---|---:|');
for (const s of summaries) {
  const l = s.latencies;
  lines.push(`| ${s.phase.name} | ${s.audioUp} | ${s.audioDown} | ${l.p50} / ${l.p95} / ${l.p99} (${l.n}) | ${ratio(l.p99, floor.latencies.p99)} |`);
}
lines.push(
  '',
  '| phase | up kbit/s: audio · video (payload) · UDP · TCP (wire) | down kbit/s: audio · video (payload) · UDP · TCP (wire) | co-browsing batches sent · size · full snapshots · answer p50 · errors |',
  '|---|---|---|---|',
);
for (const { phase, flows: f, batches: b } of summaries) {
  lines.push(`| ${phase.name} | ${f.audioUp} · ${f.videoUp} · ${f.udpUp} · ${f.tcpUp} | ${f.audioDown} · ${f.videoDown} · ${f.udpDown} · ${f.tcpDown} | ${b} |`);
}
lines.push(
  '',
  '| t s | phase | video sent kbit/s · size | agent receives kbit/s · size | estimate | taxpayer receives kbit/s · size | taxpayer sends |',
  '|---:|---|---|---|---:|---|---|',
);
for (const r of rates.filter((x) => x.t % 5 === 0)) {
  lines.push(
    `| ${r.t} | ${r.phase}${r.measured ? '' : ' (proof)'} | ${r.sentKbps} · ${r.sentSize} | ${r.agentReceivesKbps} · ${r.agentReceivesSize} | ${r.estimateKbps ?? '–'} | ${r.taxpayerReceivesKbps} · ${r.taxpayerReceivesSize} | ${r.mode} |`,
  );
}
console.log(lines.join('\n'));
mkdirSync(ARTIFACTS_DIR, { recursive: true });
const file = join(ARTIFACTS_DIR, `thin-link-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify({ agentSimulcast: AGENT_SIMULCAST, phases: PHASES, proofs, summaries, modes, peerModes, batches, links, callLog, rates, seconds }, null, 1));
console.log(`\nevery second: ${file}`);
await run.done();
