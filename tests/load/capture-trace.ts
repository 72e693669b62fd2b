// npm run load:capture: records the rrweb trace the load harness replays. A real taxpayer page (the
// demo portal's refund form, in Chromium, with the SDK exactly as the portal embeds it) shares its
// screen with an agent while a scripted user fills the form at a human pace; the session's
// recording (what the relay received, already masked) is written as batches with their offsets.
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RecordingPage } from '@etax-assist/protocol';
import { launchBrowser } from '../harness/browser.js';
import { DEV_PASSWORDS, startTestService } from '../harness/service.js';
import { connectSocket, request } from '../harness/socket.js';
import { EventLog } from '../harness/events.js';
import { ScriptRun } from '../harness/script-run.js';
import { TRACE_FILE } from './trace-file.js';

const run = new ScriptRun('load:capture');
run.at('start the service and Chromium');
const t = run.testService(await startTestService());
const b = run.browser(await launchBrowser());
run.at('capture the trace');
{
  const agent = await connectSocket(t.url, await t.staffToken('agent1', DEV_PASSWORDS.agent1));
  const agentLog = new EventLog(agent);
  await request(agent, 'agent:status', { status: 'available' });
  const page = await b.browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  await page.goto(`${t.url}/demo/refund.html`, { waitUntil: 'networkidle0' });
  const sessionId = await page.evaluate(
    async (token) => {
      const w = window as any;
      const connection = await w.EtaxAssist.AssistConnection.connect({ serviceUrl: location.origin, fetchToken: async () => token });
      const summary = await connection.request('help:request', { language: 'zh', topic: 'refund', channel: 'text', entry: { kind: 'portal', page: location.pathname } });
      w.tp = { connection, sessionId: summary.sessionId };
      return summary.sessionId as string;
    },
    t.taxpayerToken({ sub: 'tp-trace' }),
  );
  const offer = await agentLog.next<{ offerId: string }>('offer:new');
  await request(agent, 'offer:accept', { offerId: offer.offerId });
  await page.evaluate(async () => {
    const w = window as any;
    const share = new w.EtaxAssist.CobrowseShare(w.tp.connection, w.tp.sessionId, { lang: 'zh' });
    const answer = share.offer();
    ([...share.ui.querySelectorAll('button')].find((x: HTMLButtonElement) => x.textContent === '允许共享') as HTMLButtonElement).click();
    await answer;
  });

  // a taxpayer filling the refund form: typing, reading (scrolling the terms), ticking, choosing, going back
  const typeSlowly = async (selector: string, text: string) => {
    await page.click(selector);
    for (const ch of text) {
      await page.keyboard.type(ch);
      await sleep(120 + Math.random() * 180);
    }
  };
  await page.mouse.move(300, 200, { steps: 20 });
  await typeSlowly('#applicant-name', '张伟 Zhang Wei');
  await typeSlowly('#phone', '13800138000');
  await typeSlowly('#reason', '，2025 年度多缴个人所得税');
  for (let y = 0; y < 200; y += 40) {
    await page.evaluate((top) => document.querySelector('#terms')!.scrollTo(0, top), y);
    await sleep(300);
  }
  await page.click('#agree');
  await sleep(800);
  await page.click('#next-1');
  await sleep(1000);
  await page.select('#bank', 'ccb');
  await sleep(1200);
  await page.mouse.move(600, 500, { steps: 30 });
  await page.click('#next-2');
  await sleep(1500);
  await page.click('#back-3');
  await sleep(1000);
  await page.select('#bank', 'boc');
  await sleep(1000);
  await page.click('#next-2');
  await sleep(2000);

  const entries: RecordingPage['entries'] = [];
  let after: string | undefined;
  do {
    const ack = await request(agent, 'cobrowse:recording', after ? { sessionId, after, limit: 1000 } : { sessionId, limit: 1000 });
    if (!ack.ok) throw new Error(ack.error.message);
    entries.push(...ack.result.entries);
    after = ack.result.next;
  } while (after);
  const batches = entries.filter((e) => e.kind === 'rrweb');
  const start = batches[0]!.at;
  const trace = batches.map((e) => ({ offsetMs: e.at - start, events: e.payload }));
  mkdirSync(join(import.meta.dirname, 'traces'), { recursive: true });
  writeFileSync(TRACE_FILE, JSON.stringify({ capturedFrom: '/demo/refund.html', viewport: '1280x800', batches: trace }));
  const bytes = trace.reduce((n, b) => n + JSON.stringify(b.events).length, 0);
  console.log(
    `trace: ${trace.length} batches over ${((trace.at(-1)?.offsetMs ?? 0) / 1000).toFixed(1)} s, ${(bytes / 1024).toFixed(0)} KB (first batch, the snapshot: ${(JSON.stringify(trace[0]!.events).length / 1024).toFixed(0)} KB) → ${TRACE_FILE}`,
  );
  agent.close();
}
await run.done();
