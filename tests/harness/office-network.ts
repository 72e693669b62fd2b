import { createSocket } from 'node:dgram';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Page } from 'puppeteer-core';
import type { OfferEvent } from '@etax-assist/protocol';
import type { LinkThresholds, MediaPath } from '@etax-assist/client-sdk';
import { launchBrowser, type TestBrowser } from './browser.js';
import { NamespaceFirewall } from './firewall.js';
import { NetworkNamespace } from './netns.js';
import { freeMediaPort } from './ports.js';
import { SdkPage } from './sdk-page.js';
import { DEV_PASSWORDS, startTestService, type TestService } from './service.js';
import { homeTrusting } from './test-ca.js';
import { startTurnServer, type TurnServer } from './turn-server.js';

/** What a call through the office network took: the taxpayer's media path and the agent's first frame. */
export interface OfficeCall {
  path: MediaPath | undefined;
  /** From both sides starting the call to the agent's first decoded frame of the taxpayer. */
  firstFrameMs: number;
}

/** A call in progress between the taxpayer's page inside and the agent's outside. */
export interface LiveCall {
  taxpayer: SdkPage;
  agent: SdkPage;
  sessionId: string;
  firstFrameMs: number;
  close(): Promise<void>;
}

/**
 * A taxpayer's office: their browser in a network namespace behind a firewall (nftables) that a
 * test sets, the service, its media server and a TURN server (TLS on 443) on the host side, and
 * the agent's browser outside.
 */
export class OfficeNetwork {
  private constructor(
    readonly ns: NetworkNamespace,
    readonly firewall: NamespaceFirewall,
    readonly turn: TurnServer,
    readonly service: TestService,
    /** The media server's UDP and TCP port (one worker). */
    readonly mediaPort: number,
    /** The service's HTTP and WebSocket port (443 behind a real deployment's proxy). */
    readonly webPort: number,
    readonly origin: string,
    readonly inside: TestBrowser,
    readonly outside: TestBrowser,
  ) {}

  static async start(name: string, subnet: number): Promise<OfficeNetwork> {
    const ns = NetworkNamespace.create(name, subnet);
    const firewall = new NamespaceFirewall(ns.name);
    const turn = await startTurnServer(ns.hostIp);
    const mediaPort = await freeMediaPort();
    const service = await startTestService({
      HOST: '0.0.0.0',
      MEDIASOUP_LISTEN_IP: ns.hostIp,
      MEDIASOUP_RTC_BASE_PORT: String(mediaPort),
      TURN_URLS: turn.url,
      TURN_SECRET: turn.secret,
    });
    const webPort = Number(new URL(service.url).port);
    const origin = `http://${ns.hostIp}:${webPort}`;
    // the taxpayer's browser trusts the TURN server's certificate authority, as a real one trusts a public one
    const inside = await launchBrowser({ executablePath: ns.chromiumWrapper, secureOrigins: [origin], home: homeTrusting(turn.caFile) });
    const outside = await launchBrowser({ secureOrigins: [origin] });
    return new OfficeNetwork(ns, firewall, turn, service, mediaPort, webPort, origin, inside, outside);
  }

  /** Whether UDP datagrams from the namespace reach a listener on the host side. */
  async udpArrives(): Promise<boolean> {
    const listener = createSocket('udp4');
    let received = 0;
    listener.on('message', () => received++);
    await new Promise<void>((resolve) => listener.bind(0, this.ns.hostIp, resolve));
    this.ns.sendUdp(this.ns.hostIp, listener.address().port);
    await sleep(300);
    listener.close();
    return received > 0;
  }

  /**
   * A video call between a taxpayer inside and agent1 outside, once the agent decodes the
   * taxpayer's video. The agent sends its camera as the console does (simulcast) unless
   * `agentSimulcast` is false; `beforeLoad` runs on both pages before they load (SdkPage.open);
   * `taxpayerLink` changes the taxpayer's SDK's link thresholds.
   */
  async openCall(sub: string, options: { beforeLoad?: (page: Page) => Promise<void>; agentSimulcast?: boolean; taxpayerLink?: Partial<LinkThresholds> } = {}): Promise<LiveCall> {
    const { beforeLoad, agentSimulcast = true, taxpayerLink } = options;
    const taxpayer = await SdkPage.open(this.inside.browser, this.origin, this.service.taxpayerToken({ sub }), beforeLoad);
    const agent = await SdkPage.open(this.outside.browser, this.origin, await this.service.staffToken('agent1', DEV_PASSWORDS.agent1), beforeLoad);
    const close = async () => {
      await taxpayer.close();
      await agent.close();
    };
    try {
      await agent.request('agent:status', { status: 'available' });
      const session = await taxpayer.request('help:request', { language: 'zh', topic: 'invoice', channel: 'video', entry: { kind: 'portal', page: '/demo/' } });
      const offer = await agent.event<OfferEvent>('offer:new');
      await agent.request('offer:accept', { offerId: offer.offerId });
      const started = Date.now();
      await Promise.all([taxpayer.startCall(session.sessionId, 'video', false, taxpayerLink), agent.startCall(session.sessionId, 'video', agentSimulcast)]);
      while ((await agent.framesFrom('taxpayer')) === 0) {
        if (Date.now() - started > 30_000) throw new Error(`no frame in 30 s: ${JSON.stringify(await taxpayer.callReport())}\n${this.turn.output().slice(-2000)}`);
        await sleep(20);
      }
      return { taxpayer, agent, sessionId: session.sessionId, firstFrameMs: Date.now() - started, close };
    } catch (error) {
      await close();
      throw error;
    }
  }

  /** A call as openCall makes it, with its path, then ended and wrapped up (the agent free for the next). */
  async call(sub: string): Promise<OfficeCall> {
    const call = await this.openCall(sub);
    try {
      const path = (await call.taxpayer.evaluate(() => (window as any).sdk.call.sendPath())) as MediaPath | undefined;
      await call.agent.request('session:end', { sessionId: call.sessionId });
      await call.agent.request('session:wrap-up', { sessionId: call.sessionId, notes: '', outcome: 'resolved' });
      return { path, firstFrameMs: call.firstFrameMs };
    } finally {
      await call.close();
    }
  }

  async stop(): Promise<void> {
    await this.inside.close();
    await this.outside.close();
    await this.service.stop();
    await this.turn.stop();
    this.firewall.none();
    this.ns.destroy();
  }
}
