// npm run bench:cobrowse (part 2): real Chromium pages. Mirror latency (taxpayer DOM mutation →
// present in the agent's replayed mirror), control latency (agent's click → the taxpayer page's
// own handler), bytes per second while typing, stored recording growth, time to first mirror of
// a 5,000-element page, and the main-thread time of a full snapshot of a 20,000-element page.
import type { CDPSession, Page } from 'puppeteer-core';
import { setTimeout as sleep } from 'node:timers/promises';
import type { OfferEvent } from '@etax-assist/protocol';
import { launchBrowser } from '../harness/browser.js';
import { probeMirror, takeMirrorLatencies, watchMirrorLatency } from '../harness/mirror-latency.js';
import { percentiles as summary } from '../harness/percentiles.js';
import { ScriptRun } from '../harness/script-run.js';
import { availableAgentInPage } from '../harness/sdk-page.js';
import { DEV_PASSWORDS, startTestService } from '../harness/service.js';

const run = new ScriptRun('bench:cobrowse (browser)');
run.at('start the service and Chromium');
const t = run.testService(await startTestService({ DISPATCH_TEXT_SESSIONS_PER_AGENT: '10', COBROWSE_MAX_EVENTS_PER_S: '5000' }));
const b = run.browser(await launchBrowser());
run.at('sign the agent in');
const agentContext = await b.browser.createBrowserContext();
const agent = await agentContext.newPage();
await agent.setViewport({ width: 1400, height: 900 });
await agent.goto(`${t.url}/demo/`, { waitUntil: 'networkidle0' });
await availableAgentInPage(agent, await t.staffToken('agent1', DEV_PASSWORDS.agent1));

let sessions = 0;
/** A taxpayer page with a session accepted by the agent, sharing, and the agent's viewer on it. */
async function sharedPage(extraElements: number): Promise<{ page: Page; cdp: CDPSession; sessionId: string; firstMirrorMs: number }> {
  const page = await b.browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  const cdp = await page.createCDPSession();
  await cdp.send('Network.enable');
  await page.goto(`${t.url}/demo/refund.html`, { waitUntil: 'networkidle0' });
  await page.evaluate((count) => {
    const table = document.createElement('table');
    table.id = 'big';
    for (let i = 0; i < count / 5; i++) {
      const row = table.insertRow();
      for (let j = 0; j < 4; j++) row.insertCell().textContent = `行 ${i} 列 ${j}`;
    }
    document.querySelector('main')!.append(table);
    const probe = document.createElement('div');
    probe.id = 'probe';
    probe.textContent = '0';
    document.querySelector('main')!.prepend(probe);
  }, extraElements);
  const sub = `bench-tp-${sessions++}`;
  const token = t.taxpayerToken({ sub });
  const sessionId = await page.evaluate(async (tk) => {
    const w = window as any;
    const connection = await w.EtaxAssist.AssistConnection.connect({ serviceUrl: location.origin, fetchToken: async () => tk });
    const s = await connection.request('help:request', { language: 'zh', topic: 'invoice', channel: 'text', entry: { kind: 'portal', page: '/' } });
    w.tp = { connection, share: new w.EtaxAssist.CobrowseShare(connection, s.sessionId, { lang: 'zh' }), clicks: [] };
    return s.sessionId as string;
  }, token);
  const offer = (await (
    await agent.waitForFunction(
      (id) => (window as any).ag.events.find((e: any) => e.name === 'offer:new' && e.payload.session.sessionId === id)?.payload,
      { polling: 50 },
      sessionId,
    )
  ).jsonValue()) as OfferEvent;
  await agent.evaluate(
    async (offerId, id) => {
      const w = window as any;
      await w.ag.connection.request('offer:accept', { offerId });
      const panel = document.createElement('div');
      panel.style.cssText = 'width:1000px;height:700px;position:relative';
      document.body.append(panel);
      w.ag.viewers[id] = new w.EtaxAssist.MirrorViewer(w.ag.connection, id, panel);
      await w.ag.viewers[id].start();
    },
    offer.offerId,
    sessionId,
  );
  const started = Date.now();
  await page.evaluate(async () => {
    const w = window as any;
    const answer = w.tp.share.offer();
    const button = [...(window as any).tp.share.ui.querySelectorAll('button')].find((x) => x.textContent === '允许共享') as HTMLButtonElement;
    button.click();
    await answer;
  });
  await agent.waitForFunction(
    (id, count) => (window as any).ag.viewers[id].document?.querySelectorAll('#big td').length === (count / 5) * 4,
    { polling: 20, timeout: 60_000 },
    sessionId,
    extraElements,
  );
  return { page, cdp, sessionId, firstMirrorMs: Date.now() - started };
}

// 1. Mirror latency and control latency on the refund form.
run.at('1. mirror and control latency');
const { page: taxpayer, cdp, sessionId } = await sharedPage(0);
await watchMirrorLatency(agent, await agent.evaluateHandle((id) => (window as any).ag.viewers[id], sessionId));
await sleep(500);
await probeMirror(taxpayer, 50, 200); // 20 mutations/s, as the floor was measured
await sleep(11_000);
const mirror = summary(await takeMirrorLatencies(agent));

await taxpayer.evaluate(() => {
  document.getElementById('next-1')!.addEventListener('click', () => (window as any).tp.clicks.push(Date.now()));
});
const granted = agent.evaluate((id) => (window as any).ag.viewers[id].requestControl(), sessionId);
await taxpayer.waitForFunction(() => [...((window as any).tp?.share?.ui?.querySelectorAll('button') ?? [])].some((x) => x.textContent === '允许'), { polling: 50 });
await taxpayer.evaluate(() => ([...(window as any).tp.share.ui.querySelectorAll('button')].find((x) => x.textContent === '允许') as HTMLButtonElement).click());
await granted;
await agent.waitForFunction((id) => (window as any).ag.viewers[id].state.control === 'granted', { polling: 50 }, sessionId);
const sent = await agent.evaluate(async (id) => {
  const v = (window as any).ag.viewers[id];
  const nodeId = v.nodeIdBySelector('#next-1');
  const times: number[] = [];
  for (let i = 0; i < 50; i++) {
    times.push(Date.now());
    void v.control({ action: 'click', nodeId });
    await new Promise((r) => setTimeout(r, 100));
  }
  return times;
}, sessionId);
await sleep(1000);
const clicks = await taxpayer.evaluate(() => (window as any).tp.clicks as number[]);
const control = summary(clicks.map((at, i) => at - (sent[i] ?? at)));
await taxpayer.evaluate(() => (window as any).tp.share.stopControl());

// 2. Bytes per second while typing (5 characters/s for 10 s), and recording growth.
run.at('2. bytes while typing, recording growth');
const typingFrames: number[] = [];
cdp.on('Network.webSocketFrameSent', (e) => {
  if (e.response.payloadData.includes('cobrowse:events')) typingFrames.push(Buffer.byteLength(e.response.payloadData));
});
await taxpayer.evaluate(() => document.getElementById('back-2')?.click());
await taxpayer.click('#applicant-name');
const recBefore = Number((await t.service.redis.sendCommand(['MEMORY', 'USAGE', `cb:${sessionId}:rec`])) ?? 0);
const typingStarted = Date.now();
for (let i = 0; i < 50; i++) {
  await taxpayer.keyboard.type('a');
  await sleep(200);
}
const typingS = (Date.now() - typingStarted) / 1000;
await sleep(6000); // the recording is written in chunks every few seconds
const recAfter = Number((await t.service.redis.sendCommand(['MEMORY', 'USAGE', `cb:${sessionId}:rec`])) ?? 0);
const typingBytesPerS = Math.round(typingFrames.reduce((a, n) => a + n, 0) / typingS);
const recordingBytesPerS = Math.round((recAfter - recBefore) / typingS);

// 3. First mirror of a 5,000-element page; snapshot main-thread time of a 20,000-element page.
run.at('3. first mirror of a large page, snapshot time');
const five = await sharedPage(5000);
const twenty = await sharedPage(20_000);
const snapshotTimes = await twenty.page.evaluate(async () => {
  const w = window as any;
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    w.tp.share.recorder.takeFullSnapshot(); // rrweb's snapshot and the SDK's masking pass, synchronous
    runs.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 500));
  }
  return runs;
});
const snapshotBytes = await t.service.redis.xRevRange(`cb:${twenty.sessionId}:live`, '+', '-', { COUNT: 1 });
const liveJson = snapshotBytes[0]?.message.e ?? '';
const serializeMs = await twenty.page.evaluate((json) => {
  const parsed = JSON.parse(json);
  const t0 = performance.now();
  JSON.stringify(parsed);
  return performance.now() - t0;
}, liveJson);

const report = {
  mirrorLatencyMs: mirror,
  controlLatencyMs: control,
  typingBytesPerS,
  recordingBytesPerS,
  recordingTenMinutesKB: Math.round((recordingBytesPerS * 600) / 1024),
  firstMirror5000Ms: five.firstMirrorMs,
  // socket.io's JSON serialization of the snapshot batch runs on the main thread as well
  snapshot20000: { mainThreadMs: snapshotTimes.map((ms) => Math.round(ms)), serializeMs: Math.round(serializeMs), bytes: Buffer.byteLength(liveJson) },
};
console.log(JSON.stringify(report, null, 2));
await run.done();
