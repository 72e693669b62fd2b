import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { HelpRequest, OfferEvent, SupervisorMetrics } from '@etax-assist/protocol';
import { launchBrowser, type TestBrowser } from '../harness/browser.js';
import { withServiceAndBrowser } from '../harness/suite.js';
import { SdkPage } from '../harness/sdk-page.js';
import { kioskEntry } from '../harness/kiosk-device.js';
import { DEV_PASSWORDS, type TestService } from '../harness/service.js';

const help: Omit<HelpRequest, 'entry'> = { language: 'zh', topic: 'invoice', channel: 'video' };

/** Taxpayer asks, the agent accepts: both pages are in the session. */
async function connectPair(t: TestService, taxpayer: SdkPage, agent: SdkPage, topic = 'invoice'): Promise<string> {
  await agent.request('agent:status', { status: 'available' });
  const session = await taxpayer.request('help:request', { ...help, topic, entry: await kioskEntry(t, 'K-01', '浦东办税服务厅') });
  const offer = await agent.event<OfferEvent>('offer:new');
  await agent.request('offer:accept', { offerId: offer.offerId });
  expect(offer.session.sessionId).toBe(session.sessionId);
  return session.sessionId;
}

describe('video call in real Chromium (fake camera and microphone)', () => {
  let t: TestService;
  let b: TestBrowser;
  withServiceAndBrowser((service, browser) => ((t = service), (b = browser)));

  it('a call closed while it is still opening the camera stays closed: it never connects, and nothing of it is left on the server', async () => {
    // the console does this when an agent ends a session the moment it is accepted: the call it
    // started on accepting is closed by the wrap-up before it has joined
    const taxpayer = await SdkPage.open(await b.browser.createBrowserContext(), t.url, t.taxpayerToken({ sub: 'tp-closed-early' }));
    const agent = await SdkPage.open(await b.browser.createBrowserContext(), t.url, await t.staffToken('agent2', DEV_PASSWORDS.agent2));
    const sessionId = await connectPair(t, taxpayer, agent);
    const transportsBefore = (await t.service.pool.dumpWorkers())[0]?.webRtcTransports ?? 0;
    const after = await agent.page.evaluate(async (id) => {
      const w = window as any;
      const call = new w.EtaxAssist.MediaCall(w.sdk.connection, { sessionId: id, publish: 'video' });
      const states: string[] = [];
      call.on('state', (s: string) => states.push(s));
      const starting = call.start();
      await call.close();
      await starting;
      // a start that went on after the close would join and connect within this time
      await new Promise((r) => setTimeout(r, 3000));
      return { states, state: call.state, local: call.localStream?.getTracks().map((track: MediaStreamTrack) => track.readyState) ?? [] };
    }, sessionId);
    expect(after).toEqual({ states: ['connecting', 'closed'], state: 'closed', local: [] });
    expect(t.service.pool.getRoom(sessionId)?.participant('agent:agent2')).toBeUndefined();
    expect((await t.service.pool.dumpWorkers())[0]?.webRtcTransports ?? 0).toBe(transportsBefore);
    await agent.request('session:end', { sessionId });
    await agent.request('session:wrap-up', { sessionId, notes: '', outcome: 'none' });
    // out of routing again: the next tests' offers are for the agents they name
    await agent.request('agent:status', { status: 'offline' });
    for (const page of [taxpayer, agent]) await page.close();
  });

  it('taxpayer and agent send audio+video to each other; a silent monitor receives both; the taxpayer sees only the agent', async () => {
    // each party in its own window: a tab behind another may not play (or measure) audio
    const taxpayer = await SdkPage.open(await b.browser.createBrowserContext(), t.url, t.taxpayerToken({ sub: 'tp-call' }));
    const agent = await SdkPage.open(await b.browser.createBrowserContext(), t.url, await t.staffToken('agent1', DEV_PASSWORDS.agent1));
    const sessionId = await connectPair(t, taxpayer, agent);
    await Promise.all([taxpayer.startCall(sessionId, 'video'), agent.startCall(sessionId, 'video')]);

    for (const [page, other] of [
      [taxpayer, 'agent'],
      [agent, 'taxpayer'],
    ] as const) {
      await expect.poll(async () => page.framesFrom(other), { timeout: 20_000 }).toBeGreaterThan(10);
      await expect.poll(async () => (await page.stats()).filter((r) => r.kind === 'audio').reduce((sum, r) => sum + r.totalAudioEnergy, 0), { timeout: 20_000 }).toBeGreaterThan(0);
    }
    const before = await agent.framesFrom('taxpayer');
    await sleep(1000);
    expect(await agent.framesFrom('taxpayer')).toBeGreaterThan(before);

    const supervisor = await SdkPage.open(await b.browser.createBrowserContext(), t.url, await t.staffToken('super1', DEV_PASSWORDS.super1));
    await supervisor.request('supervisor:observe', { sessionId, mode: 'monitor' });
    await supervisor.startCall(sessionId, 'text');
    await expect.poll(async () => (await supervisor.stats()).length, { timeout: 20_000 }).toBe(4);
    await expect.poll(async () => (await supervisor.framesFrom('taxpayer')) > 0 && (await supervisor.framesFrom('agent')) > 0, { timeout: 20_000 }).toBe(true);
    // the monitor sends nothing and is not announced: the taxpayer still receives only the agent
    const taxpayerSees = await taxpayer.stats();
    expect(taxpayerSees.map((r) => r.peer.split(':')[0]).sort()).toEqual(['agent', 'agent']);

    const mediaStats = await agent.request('media:stats', { sessionId });
    expect(mediaStats.consumers).toBe(8);
    expect(mediaStats.producers.every((p) => p.packetCount > 0)).toBe(true);

    for (const page of [supervisor, taxpayer, agent]) {
      await page.evaluate(() => (window as any).sdk.call.close());
      await page.close();
    }
    await expect.poll(async () => (await t.service.pool.dumpWorkers())[0]?.webRtcTransports).toBe(0);
  });

  it('falls back to voice when the camera is refused, and the agent is told', async () => {
    // a browser that asks before capturing: the page grants the microphone only
    const strict = await launchBrowser({ grantMedia: false });
    const context = strict.browser.defaultBrowserContext();
    await context.overridePermissions(t.url, ['microphone']);
    const taxpayer = await SdkPage.open(context, t.url, t.taxpayerToken({ sub: 'tp-nocam' }));
    const agent = await SdkPage.open(await b.browser.createBrowserContext(), t.url, await t.staffToken('agent2', 'agent2-pass'));
    const sessionId = await connectPair(t, taxpayer, agent);
    await agent.startCall(sessionId, 'video');
    await taxpayer.startCall(sessionId, 'video');
    expect(await taxpayer.evaluate(() => (window as any).sdk.modes)).toEqual([['voice', 'permission-denied']]);
    await agent.page.waitForFunction(() => (window as any).sdk.peerModes.length > 0, { timeout: 10_000 });
    expect(await agent.evaluate(() => (window as any).sdk.peerModes)).toEqual([['taxpayer', 'voice', 'permission-denied']]);
    await expect.poll(async () => (await agent.stats()).map((r) => r.kind), { timeout: 20_000 }).toEqual(['audio']);
    await expect.poll(async () => (await agent.stats())[0]?.totalAudioEnergy ?? 0, { timeout: 20_000 }).toBeGreaterThan(0);
    // the taxpayer still sees the agent's video
    await expect.poll(async () => taxpayer.framesFrom('agent'), { timeout: 20_000 }).toBeGreaterThan(0);
    await strict.close();
    await agent.close();
  });

  it('falls back to text when the microphone is refused too, and the agent is told', async () => {
    // a browser that asks before capturing, and a page that grants nothing
    const strict = await launchBrowser({ grantMedia: false });
    const taxpayer = await SdkPage.open(strict.browser.defaultBrowserContext(), t.url, t.taxpayerToken({ sub: 'tp-nomedia' }));
    const agent = await SdkPage.open(await b.browser.createBrowserContext(), t.url, await t.staffToken('agent3', 'agent3-pass'));
    const sessionId = await connectPair(t, taxpayer, agent, 'refund');
    await agent.startCall(sessionId, 'video');
    await taxpayer.startCall(sessionId, 'video');
    expect(await taxpayer.evaluate(() => (window as any).sdk.modes)).toEqual([['text', 'permission-denied']]);
    await agent.page.waitForFunction(() => (window as any).sdk.peerModes.length > 0, { timeout: 10_000 });
    expect(await agent.evaluate(() => (window as any).sdk.peerModes)).toEqual([['taxpayer', 'text', 'permission-denied']]);
    // the taxpayer still receives the agent's video and voice
    await expect.poll(async () => taxpayer.framesFrom('agent'), { timeout: 20_000 }).toBeGreaterThan(0);
    // free agent3 again for the next test
    await agent.request('session:end', { sessionId });
    await agent.request('session:wrap-up', { sessionId, notes: '', outcome: 'none' });
    await strict.close();
    await agent.close();
  });

  it('rejoins by itself when its mediasoup worker dies, and supervisors see per-session call figures', async () => {
    const taxpayer = await SdkPage.open(await b.browser.createBrowserContext(), t.url, t.taxpayerToken({ sub: 'tp-worker' }));
    const agent = await SdkPage.open(await b.browser.createBrowserContext(), t.url, await t.staffToken('agent3', 'agent3-pass'));
    const sessionId = await connectPair(t, taxpayer, agent, 'refund');
    await Promise.all([taxpayer.startCall(sessionId, 'video'), agent.startCall(sessionId, 'video')]);
    const flowing = async () => {
      const before = await agent.framesFrom('taxpayer');
      await sleep(500);
      return (await agent.framesFrom('taxpayer')) > before;
    };
    await expect.poll(flowing, { timeout: 20_000, interval: 0 }).toBe(true);

    const supervisor = await SdkPage.open(await b.browser.createBrowserContext(), t.url, await t.staffToken('super1', DEV_PASSWORDS.super1));
    await supervisor.request('supervisor:subscribe', {});
    const metrics = await supervisor.page.waitForFunction(
      (id) =>
        (window as any).sdk.events.find((e: any) => e.name === 'supervisor:metrics' && e.payload.media.sessions.some((s: any) => s.sessionId === id && s.consumers > 0))?.payload,
      { timeout: 45_000, polling: 200 },
      sessionId,
    );
    const picture = (await metrics.jsonValue()) as SupervisorMetrics;
    expect(picture.media.workers[0]).toMatchObject({ index: 0 });
    await supervisor.close();

    const [worker] = await t.service.pool.workerStats();
    const died = new Promise((resolve) => t.service.pool.once('workerdied', resolve));
    process.kill(worker!.pid, 'SIGKILL');
    await died;
    await expect.poll(async () => (await agent.framesFrom('taxpayer')) === 0 || !(await flowing()), { timeout: 10_000 }).toBe(true);
    try {
      await expect.poll(flowing, { timeout: 30_000, interval: 0 }).toBe(true);
      await expect.poll(async () => taxpayer.framesFrom('agent'), { timeout: 20_000 }).toBeGreaterThan(0);
    } catch (error) {
      console.error('after the worker died', JSON.stringify({ agent: await agent.callReport(), taxpayer: await taxpayer.callReport() }));
      throw error;
    }
    // free agent3 again for the next test
    await agent.request('session:end', { sessionId });
    await agent.request('session:wrap-up', { sessionId, notes: '', outcome: 'none' });
    for (const page of [taxpayer, agent]) {
      await page.evaluate(() => (window as any).sdk.call.close());
      await page.close();
    }
  });

  it("an agent whose session is reassigned stops receiving the taxpayer's media at once; the new agent receives it", async () => {
    const taxpayer = await SdkPage.open(await b.browser.createBrowserContext(), t.url, t.taxpayerToken({ sub: 'tp-reassigned-call' }));
    const agent = await SdkPage.open(await b.browser.createBrowserContext(), t.url, await t.staffToken('agent3', 'agent3-pass'));
    const sessionId = await connectPair(t, taxpayer, agent, 'refund');
    await Promise.all([taxpayer.startCall(sessionId, 'video'), agent.startCall(sessionId, 'video')]);
    const packets = async (page: SdkPage) => (await page.stats()).filter((r) => r.peer.startsWith('taxpayer:')).reduce((sum, r) => sum + r.packetsReceived, 0);
    const flowing = async (page: SdkPage) => {
      const before = await packets(page);
      await sleep(1000);
      return (await packets(page)) > before;
    };
    // the fault must be observable: packets reach the first agent until it is removed
    await expect.poll(() => flowing(agent), { timeout: 20_000, interval: 0 }).toBe(true);

    const expert = await SdkPage.open(await b.browser.createBrowserContext(), t.url, await t.staffToken('expert1', DEV_PASSWORDS.expert1));
    await expert.request('agent:status', { status: 'available' });
    const supervisor = await SdkPage.open(await b.browser.createBrowserContext(), t.url, await t.staffToken('super1', DEV_PASSWORDS.super1));
    await supervisor.request('supervisor:reassign', { sessionId, agentId: 'expert1' });
    const offer = await expert.event<OfferEvent>('offer:new');
    await expert.request('offer:accept', { offerId: offer.offerId });
    await expert.startCall(sessionId, 'video');
    try {
      await expect.poll(() => flowing(expert), { timeout: 20_000, interval: 0 }).toBe(true);
      await expect.poll(() => flowing(agent), { timeout: 10_000, interval: 0 }).toBe(false);
      // and it stays so: the removed agent's call cannot rejoin the room
      expect(await flowing(agent)).toBe(false);
      expect(await flowing(expert)).toBe(true);
    } catch (error) {
      console.error('after the reassign', JSON.stringify({ agent: await agent.callReport(), expert: await expert.callReport() }));
      throw error;
    }
    expect(t.service.pool.getRoom(sessionId)?.participant('agent:agent3')).toBeUndefined();
    await expert.request('session:end', { sessionId });
    for (const page of [taxpayer, agent, expert, supervisor]) await page.close();
  });
});
