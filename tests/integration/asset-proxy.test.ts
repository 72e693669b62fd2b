import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_PASSWORDS, startTestService, type TestService } from '../harness/service.js';
import { activeSession, type ActiveSession } from '../harness/session.js';
import { connectSocket, request, type TestSocket } from '../harness/socket.js';

/** The portal: one path per content type it may answer with (none: no Content-Type at all). */
const PORTAL_FILES: Record<string, { type?: string; body: string }> = {
  '/logo.png': { type: 'image/png', body: 'png bytes' },
  '/icon.svg': { type: 'image/svg+xml', body: '<svg xmlns="http://www.w3.org/2000/svg"/>' },
  '/font.woff2': { type: 'font/woff2', body: 'woff2 bytes' },
  '/old.woff': { type: 'application/font-woff', body: 'woff bytes' },
  '/site.css': { type: 'text/css; charset=utf-8', body: 'body { color: red }' },
  '/page.html': { type: 'text/html', body: '<script>steal()</script>' },
  '/app.js': { type: 'application/javascript', body: 'steal()' },
  '/untyped': { body: '<script>steal()</script>' },
};

describe('the asset proxy (real service, a local portal origin)', () => {
  let portal: Server;
  let origin: string;
  let t: TestService;
  let s: ActiveSession;
  let supervisor: TestSocket;
  const logLines: string[] = [];

  beforeAll(async () => {
    portal = createServer((req, res) => {
      const file = PORTAL_FILES[req.url ?? ''];
      if (!file) return void res.writeHead(404).end();
      res.writeHead(200, file.type ? { 'content-type': file.type } : {}).end(file.body);
    });
    await new Promise<void>((resolve) => portal.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(portal.address() as AddressInfo).port}`;
    const log = pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) });
    t = await startTestService({ COBROWSE_ASSET_ORIGINS: origin }, undefined, log);
    s = await activeSession(t, 'tp-assets', { username: 'agent1', password: DEV_PASSWORDS.agent1 }, 'text');
    supervisor = await connectSocket(t.url, await t.staffToken('super1', DEV_PASSWORDS.super1));
    await request(supervisor, 'supervisor:observe', { sessionId: s.sessionId, mode: 'monitor' });
  });
  afterAll(async () => {
    supervisor?.close();
    s?.taxpayer.socket.close();
    s?.agent.socket.close();
    await t?.stop();
    portal?.close();
  });

  async function linkOf(socket: TestSocket): Promise<string> {
    const watched = await request(socket, 'cobrowse:watch', { sessionId: s.sessionId });
    if (!watched.ok || !watched.result.assets) throw new Error('no asset proxy in the watch result');
    return watched.result.assets.base;
  }
  const fetchAsset = (base: string, path: string) => fetch(`${t.url}${base}?url=${encodeURIComponent(`${origin}${path}`)}`);

  it('passes images, fonts and stylesheets with nosniff and a CSP that lets nothing run', async () => {
    const base = await linkOf(s.agent.socket);
    for (const path of ['/logo.png', '/icon.svg', '/font.woff2', '/old.woff', '/site.css']) {
      const response = await fetchAsset(base, path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type')).toBe(PORTAL_FILES[path]!.type);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain('sandbox');
      expect(await response.text()).toBe(PORTAL_FILES[path]!.body);
    }
  });

  it('refuses documents, scripts and untyped answers with FORBIDDEN naming the type', async () => {
    const base = await linkOf(s.agent.socket);
    for (const [path, named] of [
      ['/page.html', 'text/html'],
      ['/app.js', 'application/javascript'],
      ['/untyped', 'without a type'],
    ] as const) {
      const response = await fetchAsset(base, path);
      expect(response.status, path).toBe(403);
      const { error } = (await response.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe('FORBIDDEN');
      expect(error.message).toContain(named);
    }
  });

  it('binds a link to its session and to whom it was given: it stops when they leave the session', async () => {
    const agentLink = await linkOf(s.agent.socket);
    const supervisorLink = await linkOf(supervisor);
    expect(supervisorLink).not.toBe(agentLink);
    expect((await fetchAsset(supervisorLink, '/logo.png')).status).toBe(200);
    // the same token under another session's path
    const elsewhere = agentLink.replace(`/${s.sessionId}/`, '/another-session-0001/');
    expect((await fetchAsset(elsewhere, '/logo.png')).status).toBe(403);

    expect(await request(supervisor, 'supervisor:unobserve', { sessionId: s.sessionId })).toMatchObject({ ok: true });
    const gone = await fetchAsset(supervisorLink, '/logo.png');
    expect(gone.status).toBe(403);
    expect(((await gone.json()) as { error: { message: string } }).error.message).toContain('no longer in the session');
    expect((await fetchAsset(agentLink, '/logo.png')).status).toBe(200);
  });

  it("never writes a link's token to the logs", async () => {
    const base = await linkOf(s.agent.socket);
    const token = base.split('/').pop()!;
    expect((await fetchAsset(base, '/logo.png')).status).toBe(200);
    const logged = logLines.filter((line) => line.includes('/cobrowse/asset/'));
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.filter((line) => !/\/cobrowse\/asset\/[^/]+\/\[redacted\]/.test(line))).toEqual([]);
    expect(logged.some((line) => line.includes(`/cobrowse/asset/${s.sessionId}/[redacted]`))).toBe(true);
    expect(logLines.filter((line) => line.includes(token))).toEqual([]);
  });
});
