import type { FastifyInstance } from 'fastify';
import { HttpErrorResponse, InstanceInfo, InstanceList, InstanceParams } from '@etax-assist/protocol';
import type { RequestRouter } from '../realtime/requests.js';
import { drainInstance } from './drain.js';
import type { Forwarder, InstanceCallHandlers } from './forwarder.js';
import type { InstanceRegistry } from './instance-registry.js';

export interface ClusterRoutesOptions {
  registry: InstanceRegistry;
  forwarder: Forwarder;
}

/**
 * The instances behind the load balancer, for operators (supervisor role): who is live with what
 * load, and draining one for a rolling upgrade — through any instance, the request reaches the
 * named one.
 */
export async function clusterRoutes(app: FastifyInstance, { registry, forwarder }: ClusterRoutesOptions): Promise<void> {
  app.get('/api/instances', { config: { auth: ['supervisor'] }, schema: { response: { 200: InstanceList, '4xx': HttpErrorResponse } } }, async () => ({
    self: registry.id,
    instances: await registry.live(),
  }));

  app.post<{ Params: InstanceParams }>(
    '/api/instances/:id/drain',
    { config: { auth: ['supervisor'] }, schema: { params: InstanceParams, response: { 200: InstanceInfo, '4xx': HttpErrorResponse, '5xx': HttpErrorResponse } } },
    async (request) => {
      const info = await drainInstance(registry, forwarder, request.params.id);
      request.log.warn({ instance: info.id, by: request.principal?.sub }, 'instance draining');
      return info;
    },
  );
}

/** This instance's side of a drain asked through another one. */
export function clusterCalls(registry: InstanceRegistry): Pick<InstanceCallHandlers, 'cluster:drain'> {
  return { 'cluster:drain': () => registry.drain() };
}

/** The same from the supervisor dashboard, over its socket. */
export function registerClusterRequests(requests: RequestRouter, registry: InstanceRegistry, forwarder: Forwarder): void {
  requests.on('supervisor:drain-instance', ['supervisor'], async ({ principal, log }, { instanceId }) => {
    const info = await drainInstance(registry, forwarder, instanceId);
    log.warn({ instance: info.id, by: principal.sub }, 'instance draining');
    return info;
  });
}
