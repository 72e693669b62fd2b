import type { FastifyInstance } from 'fastify';
import { Catalog, HelpOptions, HttpErrorResponse, PRIORITY_GROUPS, SIGNED_IN_ROLES } from '@etax-assist/protocol';
import type { Config } from '../config/env.js';

export interface CatalogRoutesOptions {
  catalog: Catalog;
  helpPolicy: Config['helpRequest'];
}

/** The same for every visitor and changed only by a restart: a portal's page views need not ask each time. */
const HELP_OPTIONS_MAX_AGE_S = 300;

/**
 * What the UIs list, as this deployment configures it: the staff's console everything (outcomes
 * included); a portal page, before anyone signs in, only what its visitor may choose.
 */
export async function catalogRoutes(app: FastifyInstance, { catalog, helpPolicy }: CatalogRoutesOptions): Promise<void> {
  app.get('/api/catalog', { config: { auth: SIGNED_IN_ROLES }, schema: { response: { 200: Catalog, '4xx': HttpErrorResponse } } }, async () => catalog);

  const helpOptions: HelpOptions = {
    topics: catalog.topics,
    languages: catalog.languages,
    priorityGroups: helpPolicy.clientPriorityAllowed ? [...PRIORITY_GROUPS] : ['normal'],
    kioskEntry: helpPolicy.clientKioskAllowed,
  };
  app.get('/api/help/options', { config: { auth: 'public' }, schema: { response: { 200: HelpOptions } } }, async (_request, reply) => {
    reply.header('cache-control', `public, max-age=${HELP_OPTIONS_MAX_AGE_S}`);
    return helpOptions;
  });
}
