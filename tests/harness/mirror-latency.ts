import type { JSHandle, Page } from 'puppeteer-core';
import { clickSdkButton, watchMirror } from './cobrowse-session.js';

/**
 * Mirror latency: a change of the taxpayer's page → the agent's mirror shows it. The taxpayer's
 * page writes its clock into a probe element; the agent's page notes, at each mirrored change of
 * it, now minus that time (both browsers run on this machine, on one clock). The time goes out
 * with its digits spelled as letters: runs of 6+ digits are masked on the way out.
 */
export async function watchMirrorLatency(agent: Page, viewer: JSHandle): Promise<void> {
  await agent.evaluate((v: any) => {
    const w = window as any;
    w.mirrorLatencies = [];
    let watched: Document | undefined;
    let observer: MutationObserver | undefined;
    // the viewer rebuilds its iframe on a fresh snapshot: follow the current document
    setInterval(() => {
      const doc = v.document as Document | undefined;
      if (!doc || doc === watched) return;
      observer?.disconnect();
      watched = doc;
      observer = new MutationObserver(() => {
        // the last 13 letters: the newest time, should the replay hold an older text node beside it
        const text = (doc.getElementById('probe')?.textContent ?? '').slice(-13);
        const sent = Number(text.replace(/[a-j]/g, (c) => String(c.charCodeAt(0) - 97)));
        if (sent > 0) w.mirrorLatencies.push(Date.now() - sent);
      });
      observer.observe(doc, { subtree: true, childList: true, characterData: true });
    }, 50);
  }, viewer);
}

/** The taxpayer's page writes its clock into the probe (made at the top of the page if it has none) every `everyMs`, `count` times. */
export async function probeMirror(taxpayer: Page, everyMs: number, count: number): Promise<void> {
  await taxpayer.evaluate(
    (interval, times) => {
      let probe = document.getElementById('probe');
      if (!probe) {
        probe = document.createElement('div');
        probe.id = 'probe';
        (document.querySelector('main') ?? document.body).prepend(probe);
      }
      let n = 0;
      const timer = setInterval(() => {
        probe.textContent = String(Date.now()).replace(/\d/g, (d) => 'abcdefghij'[Number(d)]!);
        if (++n >= times) clearInterval(timer);
      }, interval);
    },
    everyMs,
    count,
  );
}

/** The latencies (ms) the agent's page noted since the last call. */
export function takeMirrorLatencies(agent: Page): Promise<number[]> {
  return agent.evaluate(() => (window as any).mirrorLatencies.splice(0) as number[]);
}

/**
 * In a call's session: the agent's page watches the mirror, the taxpayer's page is shared (the
 * consent clicked, as a taxpayer does), and the mirror's latency is noted while the taxpayer's
 * page changes every `everyMs`, `count` times.
 */
export async function shareAndProbe(taxpayer: Page, agent: Page, sessionId: string, everyMs: number, count: number): Promise<void> {
  await agent.evaluate(() => {
    const w = window as any;
    w.ag = { connection: w.sdk.connection };
  });
  await watchMirror(agent, sessionId);
  await taxpayer.evaluate((id) => {
    const w = window as any;
    w.tp = { share: new w.EtaxAssist.CobrowseShare(w.sdk.connection, id, { lang: 'zh' }) };
    w.tp.consent = w.tp.share.offer();
  }, sessionId);
  await clickSdkButton(taxpayer, '允许共享');
  await taxpayer.evaluate(() => (window as any).tp.consent.then(() => undefined));
  await agent.waitForFunction(() => (window as any).ag.viewer.document?.body, { timeout: 30_000, polling: 100 });
  await watchMirrorLatency(agent, await agent.evaluateHandle(() => (window as any).ag.viewer));
  await probeMirror(taxpayer, everyMs, count);
}
