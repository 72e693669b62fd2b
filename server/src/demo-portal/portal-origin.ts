import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import type { Logger } from 'pino';
import { WEB_ROOTS } from '../web/static-routes.js';
import { demoPortalRoutes, type DemoPortalOptions } from './routes.js';

/**
 * What a portal adds to its own Content-Security-Policy to embed the SDK from `serviceUrl` (the
 * README quotes it): the SDK's script, and its HTTP and WebSocket connections to the service.
 * The SDK needs nothing else: its styles are constructed stylesheets and its calls' media are
 * streams, not URLs.
 */
export function portalCspAdditions(serviceUrl: string): { scriptSrc: string[]; connectSrc: string[] } {
  const service = new URL(serviceUrl);
  const socket = `${service.protocol === 'https:' ? 'wss:' : 'ws:'}//${service.host}`;
  return { scriptSrc: [service.origin], connectSrc: [service.origin, socket] };
}

/** The demo portal's own policy: strict ('self' only, no inline script or style) plus the SDK's additions. */
export function portalCsp(serviceUrl: string): string {
  const sdk = portalCspAdditions(serviceUrl);
  return [
    "default-src 'self'",
    `script-src 'self' ${sdk.scriptSrc.join(' ')}`,
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${sdk.connectSrc.join(' ')}`,
    "frame-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'self'",
  ].join('; ');
}

export interface PortalOriginOptions extends DemoPortalOptions {
  /** The assistance service as the browser reaches it: where the pages load the SDK from. */
  serviceUrl: string;
  log: Logger;
}

/**
 * The demo portal as a real one is deployed: on an origin of its own (DEMO_PORTAL_PORT), with its
 * own back end (sign-in tokens, the kiosk's configuration) and a strict CSP, loading the SDK from
 * the service by one script tag. Its pages are the service's demo pages, with the SDK's address
 * made absolute.
 */
export async function buildPortalOrigin(options: PortalOriginOptions): Promise<FastifyInstance> {
  const { serviceUrl, log } = options;
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- as in app.ts: typed with fastify's default logger
  const app: FastifyInstance = Fastify({ loggerInstance: log as FastifyBaseLogger });
  const csp = portalCsp(serviceUrl);
  app.addHook('onSend', async (_request, reply) => {
    reply.header('content-security-policy', csp);
  });
  const page = async (name: string): Promise<string> => (await readFile(join(WEB_ROOTS.demo, name), 'utf8')).replaceAll('src="/sdk/', `src="${serviceUrl}/sdk/`);
  app.get('/demo/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(await page('index.html')));
  app.get<{ Params: { name: string } }>('/demo/:name.html', async (request, reply) => {
    const html = /^[a-z-]+$/.test(request.params.name) ? await page(`${request.params.name}.html`).catch(() => undefined) : undefined;
    if (html === undefined) return reply.code(404).send({ error: { code: 'NOT_FOUND', message: 'No such page' } });
    return reply.type('text/html; charset=utf-8').send(html);
  });
  app.get('/', (_request, reply) => reply.redirect('/demo/'));
  app.get('/demo/kiosk', (_request, reply) => reply.redirect('/demo/?kiosk=1'));
  await app.register(fastifyStatic, { root: WEB_ROOTS.demo, prefix: '/demo/', index: false });
  await app.register(demoPortalRoutes, options);
  return app;
}
