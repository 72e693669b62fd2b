import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Catalog, HelpOptions, HttpErrorResponse, PRIORITY_GROUPS, SIGNED_IN_ROLES } from '@etax-assist/protocol';
import type { Config } from '../config/env.js';
import type { PublishedCatalog } from './live-catalog.js';

export interface CatalogRoutesOptions {
  catalog: PublishedCatalog;
  helpPolicy: Config['helpRequest'];
  /** KNOWLEDGE_SEARCH_QUERY_MAX_CHARS, for the help form's search as the question is typed. */
  searchMaxChars: number;
}

/** The answer to a client holding the version already: no body. */
const NotModified = Type.Null();

/**
 * Tags the answer with the catalog's version; true when the client holds it already (then 304).
 * Clients revalidate every time (no-cache): a publish shows on their next fetch, for a round trip.
 */
function notModified(request: FastifyRequest, reply: FastifyReply, version: number): boolean {
  const etag = `"catalog-${version}"`;
  reply.header('etag', etag).header('cache-control', 'no-cache');
  return request.headers['if-none-match'] === etag;
}

/**
 * What the UIs list, as the published catalog says (server/src/catalog/live-catalog.ts): the
 * staff's console everything (inactive topics and outcomes included: past sessions name them);
 * a portal page, before anyone signs in, only what its visitor may choose.
 */
export async function catalogRoutes(app: FastifyInstance, { catalog, helpPolicy, searchMaxChars }: CatalogRoutesOptions): Promise<void> {
  app.get('/api/catalog', { config: { auth: SIGNED_IN_ROLES }, schema: { response: { 200: Catalog, 304: NotModified, '4xx': HttpErrorResponse } } }, async (request, reply) => {
    const current = catalog.current;
    return notModified(request, reply, current.version) ? reply.code(304).send() : current;
  });

  const priorityGroups: HelpOptions['priorityGroups'] = helpPolicy.clientPriorityAllowed ? [...PRIORITY_GROUPS] : ['normal'];
  app.get('/api/help/options', { config: { auth: 'public' }, schema: { response: { 200: HelpOptions, 304: NotModified } } }, async (request, reply) => {
    const { version, topics, languages } = catalog.current;
    if (notModified(request, reply, version)) return reply.code(304).send();
    const options: HelpOptions = {
      version,
      topics: topics.filter((topic) => topic.active).map(({ id, label }) => ({ id, label })),
      languages,
      priorityGroups,
      questionMaxChars: helpPolicy.questionMaxChars,
      searchMaxChars,
    };
    return options;
  });
}
