import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OfferEvent } from '@etax-assist/protocol';
import { launchBrowser, type TestBrowser } from '../harness/browser.js';
import { SdkPage } from '../harness/sdk-page.js';
import { DEV_PASSWORDS, startTestCluster, type TestCluster } from '../harness/service.js';

/**
 * Two instances on one Redis, two real browsers: the taxpayer's page talks to instance 1, the
 * agent's to instance 2. The call's room lives on one of them; the other forwards its client's
 * signalling, and both browsers' WebRTC goes to the holder. Video flows both ways, and the
 * co-browsing mirror and chat cross over too.
 */
describe('a call across two instances, in real Chromium', () => {
  let c: TestCluster;
  let b: TestBrowser;
  beforeAll(async () => {
    c = await startTestCluster(2);
    b = await launchBrowser();
  });
  afterAll(async () => {
    await b?.close();
    await c?.stop();
  });

  it('taxpayer on instance 1, agent on instance 2: video both ways through the holder of the room', async () => {
    const [one, two] = c.instances;
    const taxpayer = await SdkPage.open(await b.browser.createBrowserContext(), one!.url, one!.taxpayerToken({ sub: 'tp-two-instances' }));
    const agent = await SdkPage.open(await b.browser.createBrowserContext(), two!.url, await two!.staffToken('agent1', DEV_PASSWORDS.agent1));
    await agent.request('agent:status', { status: 'available' });
    const session = await taxpayer.request('help:request', { language: 'zh', topic: 'invoice', channel: 'video', entry: { kind: 'portal', page: '/' } });
    const offer = await agent.event<OfferEvent>('offer:new');
    await agent.request('offer:accept', { offerId: offer.offerId });
    await Promise.all([taxpayer.startCall(session.sessionId, 'video'), agent.startCall(session.sessionId, 'video')]);
    for (const [page, other] of [
      [taxpayer, 'agent'],
      [agent, 'taxpayer'],
    ] as const) {
      await expect.poll(async () => page.framesFrom(other), { timeout: 20_000 }).toBeGreaterThan(10);
    }
    // one room, on one instance: the other holds none, and forwarded one of the two clients
    const rooms = c.instances.map((i) => (i.service.pool.getRoom(session.sessionId) ? 1 : 0));
    expect(rooms.reduce((a: number, b: number) => a + b, 0)).toBe(1);

    await taxpayer.request('chat:send', { sessionId: session.sessionId, text: '跨实例你好' });
    await agent.event('chat:message', { text: '跨实例你好' });
    for (const page of [taxpayer, agent]) {
      await page.evaluate(() => (window as any).sdk.call.close());
      await page.close();
    }
  });
});
