import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';

/** Built front ends, relative to server/dist/web. */
const PROJECT_ROOT = resolve(import.meta.dirname, '../../..');
export const WEB_ROOTS = {
  sdk: resolve(PROJECT_ROOT, 'client-sdk/dist/bundle'),
  console: resolve(PROJECT_ROOT, 'agent-console/dist'),
  demo: resolve(PROJECT_ROOT, 'server/public/demo'),
};

export interface StaticRoutesOptions {
  demoPortal: boolean;
}

/**
 * The console's Content-Security-Policy: only its own scripts run (the mirrored page's scripts
 * never do: the replayer's iframe is sandboxed without scripts), connections only to this
 * service, media and images from here, data: and blob:. Inline style attributes are allowed
 * (the replayer positions and scales with them); inline scripts are not.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "media-src 'self' blob:",
  "connect-src 'self' ws: wss:",
  "frame-src 'self' blob: about:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Public assets: the SDK bundle (one script tag in the portal), the agent console and the demo
 * portal. They sit outside the guarded API context; the data they show comes through the API.
 */
export async function staticRoutes(app: FastifyInstance, { demoPortal }: StaticRoutesOptions): Promise<void> {
  const roots: { root: string; prefix: string }[] = [
    { root: WEB_ROOTS.sdk, prefix: '/sdk/' },
    { root: WEB_ROOTS.console, prefix: '/console/' },
  ];
  if (demoPortal) roots.push({ root: WEB_ROOTS.demo, prefix: '/demo/' });
  app.addHook('onSend', async (request, reply) => {
    if (request.url.startsWith('/console/')) {
      reply.header('content-security-policy', CONSOLE_CSP);
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'no-referrer');
    }
  });
  let first = true;
  for (const { root, prefix } of roots) {
    if (!existsSync(root)) throw new Error(`front-end build missing: ${root} (run "npm run build")`);
    await app.register(fastifyStatic, { root, prefix, decorateReply: first, index: ['index.html'] });
    first = false;
  }
  app.get('/', (_request, reply) => reply.redirect(demoPortal ? '/demo/' : '/console/'));
  // the hall kiosk's start page: the portal in kiosk mode (remembered by the kiosk's browser tab)
  if (demoPortal) app.get('/demo/kiosk', (_request, reply) => reply.redirect('/demo/?kiosk=1'));
}
