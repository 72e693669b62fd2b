import type { FastifyInstance } from 'fastify';
import { CatalogAdminView, CatalogDraft, CatalogPreview, CatalogPublication, HttpErrorResponse } from '@etax-assist/protocol';
import { principalOf } from '../auth/http-guard.js';
import type { CatalogAdministration } from './catalog-administration.js';

/** Administrators only (protocol/src/auth.ts AdminClaims). */
const ADMIN = ['admin'] as const;
const errors = { '4xx': HttpErrorResponse, '5xx': HttpErrorResponse };

/** The catalog admin API (protocol/src/catalog-admin.ts). */
export async function catalogAdminRoutes(app: FastifyInstance, { administration }: { administration: CatalogAdministration }): Promise<void> {
  app.get('/api/admin/catalog', { config: { auth: ADMIN }, schema: { response: { 200: CatalogAdminView, ...errors } } }, async () => administration.view());
  app.post<{ Body: CatalogDraft }>(
    '/api/admin/catalog/preview',
    { config: { auth: ADMIN }, schema: { body: CatalogDraft, response: { 200: CatalogPreview, ...errors } } },
    async (request) => administration.preview(request.body),
  );
  app.post<{ Body: CatalogDraft }>(
    '/api/admin/catalog/versions',
    { config: { auth: ADMIN }, schema: { body: CatalogDraft, response: { 201: CatalogPublication, ...errors } } },
    async (request, reply) => {
      const published = await administration.publish(request.body, principalOf(request).sub);
      request.log.info({ version: published.version, by: published.publishedBy, changes: published.changes.length }, 'catalog published');
      return reply.code(201).send(published);
    },
  );
}
