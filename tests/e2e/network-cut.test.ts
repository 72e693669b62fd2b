import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OfferEvent } from '@etax-assist/protocol';
import { launchBrowser, type TestBrowser } from '../harness/browser.js';
import { NetworkNamespace } from '../harness/netns.js';
import { SdkPage } from '../harness/sdk-page.js';
import { kioskEntry } from '../harness/kiosk-device.js';
import { DEV_PASSWORDS, startTestService, type TestService } from '../harness/service.js';

/**
 * The taxpayer's browser runs in a network namespace whose link is really taken down. Each case
 * first proves the cut happened (the agent's decoded-frame count stops), then that video comes
 * back by itself after the link returns, and reports how long that took.
 */
describe('media survives real network cuts of the taxpayer, without any click', () => {
  let ns: NetworkNamespace;
  let t: TestService;
  let origin: string;
  let inside: TestBrowser;
  let outside: TestBrowser;
  let taxpayer: SdkPage;
  let agent: SdkPage;
  const recoveries: Record<string, number> = {};

  beforeAll(async () => {
    ns = NetworkNamespace.create('etaxtp', 57);
    t = await startTestService({ HOST: '0.0.0.0', MEDIASOUP_LISTEN_IP: ns.hostIp, MEDIA_DISCONNECT_GRACE_S: '120' });
    origin = `http://${ns.hostIp}:${new URL(t.url).port}`;
    inside = await launchBrowser({ executablePath: ns.chromiumWrapper, secureOrigins: [origin] });
    outside = await launchBrowser({ secureOrigins: [origin] });
    taxpayer = await SdkPage.open(inside.browser, origin, t.taxpayerToken({ sub: 'tp-cut' }));
    agent = await SdkPage.open(outside.browser, origin, await t.staffToken('agent1', DEV_PASSWORDS.agent1));
    await agent.request('agent:status', { status: 'available' });
    const session = await taxpayer.request('help:request', {
      language: 'zh',
      topic: 'invoice',
      channel: 'video',
      entry: await kioskEntry(t, 'K-09', '徐汇办税服务厅'),
    });
    const offer = await agent.event<OfferEvent>('offer:new');
    await agent.request('offer:accept', { offerId: offer.offerId });
    await Promise.all([taxpayer.startCall(session.sessionId, 'video'), agent.startCall(session.sessionId, 'video')]);
  });

  afterAll(async () => {
    console.log('video back after the link returned (ms):', recoveries);
    await inside?.close();
    await outside?.close();
    await t?.stop();
    ns?.destroy();
  });

  /** Whether the agent decodes new frames from the taxpayer over the next half second. */
  async function framesFlowing(): Promise<boolean> {
    const before = await agent.framesFrom('taxpayer');
    await sleep(500);
    // a rejoin re-creates the consumer and its count starts again from zero
    return (await agent.framesFrom('taxpayer')) > before;
  }

  async function cutFor(seconds: number): Promise<void> {
    await expect.poll(framesFlowing, { timeout: 30_000, interval: 0 }).toBe(true);
    ns.cut();
    await sleep(2000);
    // proof that the cut is real: no new frames reach the agent
    const during = await agent.framesFrom('taxpayer');
    await sleep(Math.max(1000, seconds * 1000 - 2000));
    expect(await agent.framesFrom('taxpayer')).toBeLessThanOrEqual(during + 2);
    ns.heal();
    const healedAt = Date.now();
    await expect.poll(framesFlowing, { timeout: 60_000, interval: 0 }).toBe(true);
    recoveries[`${seconds}s`] = Date.now() - healedAt;
  }

  it('a 5 s cut heals by itself', async () => {
    await cutFor(5);
  }, 120_000);

  it('a 40 s cut (past ICE failure) recovers by itself: the SDK rejoins and re-publishes', async () => {
    await cutFor(40);
    const states = await taxpayer.evaluate(() => (window as any).sdk.states.map((s: [number, string]) => s[1]));
    expect(states).toContain('reconnecting');
    expect(states.at(-1)).toBe('connected');
  }, 150_000);
});
