import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../harness/service.js';

const PORTAL = 'https://etax.example.gov.cn';
const ELSEWHERE = 'https://phish.example.com';

/** Issue 20, item 1: which pages may use the service from a browser (PORTAL_ORIGINS). */
describe('portal origins: CORS for the SDK and the socket handshake', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({ PORTAL_ORIGINS: PORTAL, PORTAL_PREFLIGHT_MAX_AGE_S: '900', DEMO_PORTAL_PORT: '0' });
  });
  afterAll(() => t?.stop());

  const preflight = (origin: string, path = '/api/sessions/s-1/attachments?name=a.png') =>
    fetch(`${t.url}${path}`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });

  /** The handshake's outcome for a page of `origin`: 'connected' or the refusal's code. */
  function handshake(origin: string | undefined, transport: 'websocket' | 'polling'): Promise<string> {
    const socket = io(t.url, {
      transports: [transport],
      auth: { token: t.taxpayerToken() },
      reconnection: false,
      forceNew: true,
      extraHeaders: origin ? { origin } : {},
    });
    return new Promise((resolve) => {
      socket.once('connect', () => resolve('connected'));
      socket.once('connect_error', (error: Error & { data?: { code?: string } }) => resolve(error.data?.code ?? error.message));
    }).finally(() => socket.close()) as Promise<string>;
  }

  it("answers a listed portal's preflight for the SDK's calls, cached for the configured time, without credentials", async () => {
    const response = await preflight(PORTAL);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(PORTAL);
    expect(response.headers.get('access-control-allow-headers')).toBe('authorization, content-type');
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
    expect(response.headers.get('access-control-max-age')).toBe('900');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    // and the call itself: the help options a widget reads before it signs in
    const options = await fetch(`${t.url}/api/help/options`, { headers: { origin: PORTAL } });
    expect(options.status).toBe(200);
    expect(options.headers.get('access-control-allow-origin')).toBe(PORTAL);
    expect(options.headers.get('vary')).toContain('Origin');
  });

  it('refuses every request from a page of another site with a clear code, preflight or not', async () => {
    const response = await preflight(ELSEWHERE);
    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(await response.json()).toEqual({ error: { code: 'ORIGIN_NOT_ALLOWED', message: `Pages of ${ELSEWHERE} may not use this service (PORTAL_ORIGINS)` } });
    // a "simple" request, which a browser sends without asking first, is not acted on either
    const token = await fetch(`${t.url}/api/devices/token`, { method: 'POST', headers: { origin: ELSEWHERE, 'content-type': 'text/plain' }, body: '{}' });
    expect(token.status).toBe(403);
    expect(((await token.json()) as { error: { code: string } }).error.code).toBe('ORIGIN_NOT_ALLOWED');
    // a sandboxed frame says "null"
    expect((await fetch(`${t.url}/api/help/options`, { headers: { origin: 'null' } })).status).toBe(403);
  });

  it("serves the service's own pages under any of its names, and clients that are not browsers", async () => {
    const own = new URL(t.url);
    for (const origin of [own.origin, `http://127.0.0.1:${own.port}`]) {
      expect((await fetch(`${origin}/api/help/options`, { headers: { origin } })).status).toBe(200);
    }
    // but not a page of another port of the same host, which is another origin
    expect((await fetch(`${t.url}/api/help/options`, { headers: { origin: 'http://localhost:1' } })).status).toBe(403);
    expect((await fetch(`${t.url}/api/help/options`)).status).toBe(200);
  });

  it("checks the socket handshake's Origin against the same list, over WebSocket and long-polling", async () => {
    expect(await handshake(PORTAL, 'websocket')).toBe('connected');
    expect(await handshake(PORTAL, 'polling')).toBe('connected');
    expect(await handshake(undefined, 'websocket')).toBe('connected');
    expect(await handshake(ELSEWHERE, 'websocket')).toBe('ORIGIN_NOT_ALLOWED');
    expect(await handshake(ELSEWHERE, 'polling')).toBe('ORIGIN_NOT_ALLOWED');
  });

  it('serves the demo portal from a second origin with a strict CSP that names the service, and admits that origin', async () => {
    const portal = t.service.demoPortalUrl!;
    expect(new URL(portal).port).not.toBe(new URL(t.url).port);
    const page = await fetch(`${portal}/demo/refund.html`);
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy')!;
    const service = new URL(t.url);
    expect(csp).toContain(`script-src 'self' ${service.origin}`);
    expect(csp).toContain(`connect-src 'self' ${service.origin} ws://${service.host}`);
    expect(csp).toContain("style-src 'self';");
    const html = await page.text();
    expect(html).toContain(`<script src="${service.origin}/sdk/etax-assist.js"></script>`);
    expect(html).not.toContain('src="/sdk/');
    // the portal's own back end is on its own origin
    const token = await fetch(`${portal}/demo/api/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: '张伟' }) });
    expect(token.status).toBe(200);
    expect((await fetch(`${portal}/demo/nothing.html`)).status).toBe(404);
    expect((await preflight(portal)).headers.get('access-control-allow-origin')).toBe(portal);
    expect(await handshake(portal, 'websocket')).toBe('connected');
  });
});
