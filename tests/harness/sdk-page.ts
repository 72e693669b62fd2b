import type { Browser, BrowserContext, Page } from 'puppeteer-core';
import type { LinkThresholds } from '@etax-assist/client-sdk';
import type { ClientRequestName, RequestOf, ResultOf } from '@etax-assist/protocol';

/**
 * A browser page that loads the SDK bundle exactly as a portal does (the demo portal page), and
 * drives it through `window.sdk` helpers: connect with a token, send requests, run a MediaCall.
 */
export class SdkPage {
  private constructor(readonly page: Page) {}

  /** `beforeLoad` runs on the new page before it loads (e.g. to add a script that runs first). */
  static async open(target: Browser | BrowserContext, baseUrl: string, token: string, beforeLoad?: (page: Page) => Promise<void>): Promise<SdkPage> {
    const page = await target.newPage();
    page.on('pageerror', (error) => console.error('page error:', error));
    await beforeLoad?.(page);
    await page.goto(`${baseUrl}/demo/`, { waitUntil: 'networkidle0' });
    await page.evaluate(async (tokenInPage) => {
      const w = window as unknown as Record<string, any>;
      const { AssistConnection } = w.EtaxAssist;
      const connection = await AssistConnection.connect({ serviceUrl: location.origin, fetchToken: async () => tokenInPage });
      const events: { name: string; payload: unknown }[] = [];
      connection.socket.onAny((name: string, payload: unknown) => events.push({ name, payload }));
      w.sdk = { connection, events, call: undefined, modes: [], peerModes: [] };
    }, token);
    return new SdkPage(page);
  }

  /** A declared request through the page's SDK connection, which validates the ack against its result schema. */
  request<N extends ClientRequestName>(name: N, payload: RequestOf<N>): Promise<ResultOf<N>> {
    return this.page.evaluate((n, p) => (window as any).sdk.connection.request(n, p), name, payload) as Promise<ResultOf<N>>;
  }

  /** The first event so named (already received or coming) whose payload matches `where`. */
  async event<T>(name: string, where: Record<string, unknown> = {}, timeoutMs = 20_000): Promise<T> {
    const handle = await this.page.waitForFunction(
      (n, w) => (window as any).sdk.events.find((e: any) => e.name === n && Object.entries(w).every(([k, v]) => JSON.stringify(e.payload?.[k]) === JSON.stringify(v)))?.payload,
      { timeout: timeoutMs, polling: 100 },
      name,
      where,
    );
    return (await handle.jsonValue()) as T;
  }

  /** `simulcast`: the camera as the console sends it (MediaCallOptions.simulcast). */
  /** `link`: the SDK's link thresholds to change (MediaCallOptions.link). */
  async startCall(sessionId: string, publish: 'video' | 'voice' | 'text', simulcast = false, link: Partial<LinkThresholds> = {}): Promise<void> {
    await this.page.evaluate(
      async (id, mode, layered, thresholds) => {
        const w = window as any;
        const call = new w.EtaxAssist.MediaCall(w.sdk.connection, { sessionId: id, publish: mode, iceRestartRetryMs: 1000, simulcast: layered, link: thresholds });
        w.sdk.call = call;
        w.sdk.states = [];
        w.sdk.callErrors = [];
        call.on('state', (s: string) => w.sdk.states.push([Date.now(), s]));
        call.on('error', (e: Error) => w.sdk.callErrors.push(`${Date.now()} ${e.message}`));
        call.on('mode', (m: string, r: string) => w.sdk.modes.push([m, r]));
        w.sdk.links = [];
        call.on('link', (q: string, sample: unknown) => w.sdk.links.push({ at: Date.now(), quality: q, ...(sample as object) }));
        call.on('peer-mode', (peer: { role: string }, m: string, r: string) => w.sdk.peerModes.push([peer.role, m, r]));
        await call.start();
      },
      sessionId,
      publish,
      simulcast,
      link,
    );
  }

  /** Remote tracks with their receive stats. */
  stats(): Promise<{ producerId: string; kind: string; peer: string; framesDecoded: number; totalAudioEnergy: number; packetsReceived: number }[]> {
    return this.page.evaluate(() => (window as any).sdk.call.inboundStats());
  }

  /** Frames decoded so far of the remote video from `peerRole`. */
  async framesFrom(peerRole: string): Promise<number> {
    const rows = await this.stats();
    return rows.filter((r) => r.kind === 'video' && r.peer.startsWith(`${peerRole}:`)).reduce((sum, r) => sum + r.framesDecoded, 0);
  }

  /** What the call went through (states, errors, receive stats): printed when a media test fails. */
  callReport(): Promise<unknown> {
    return this.page.evaluate(async () => {
      const w = window as any;
      return {
        states: w.sdk.states,
        errors: w.sdk.callErrors,
        stats: await w.sdk.call?.inboundStats(),
        events: w.sdk.events.filter((e: any) => e.name.startsWith('media:')).map((e: any) => e.name),
      };
    });
  }

  evaluate<T>(fn: () => T): Promise<T> {
    return this.page.evaluate(fn);
  }

  close(): Promise<void> {
    return this.page.close();
  }
}

/**
 * Connects a staff member in a page that has the SDK (as the console would): `window.ag` holds
 * the connection and every event it received.
 */
export async function staffInPage(page: Page, token: string): Promise<void> {
  await page.evaluate(async (tokenInPage) => {
    const w = window as any;
    const connection = await w.EtaxAssist.AssistConnection.connect({ serviceUrl: location.origin, fetchToken: async () => tokenInPage });
    const events: any[] = [];
    connection.socket.onAny((name: string, payload: unknown) => events.push({ name, payload }));
    w.ag = { connection, events, viewers: {} };
  }, token);
}

/** staffInPage, then the agent sets itself available. */
export async function availableAgentInPage(page: Page, token: string): Promise<void> {
  await staffInPage(page, token);
  await page.evaluate(() => (window as any).ag.connection.request('agent:status', { status: 'available' }));
}
