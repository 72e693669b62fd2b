import type { FastifyInstance } from 'fastify';
import { HttpErrorResponse, InstanceInfo, InstanceList, InstanceParams, ProtocolError } from '@etax-assist/protocol';
import type { Forwarder } from './forwarder.js';
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
  forwarder.handle('cluster:drain', async () => {
    await registry.drain();
    return (await registry.live()).find((i) => i.id === registry.id);
  });

  app.get(
    '/api/instances',
    { config: { auth: ['supervisor'] }, schema: { response: { 200: InstanceList, '4xx': HttpErrorResponse } } },
    async () => ({ self: registry.id, instances: await registry.live() }),
  );

  app.post<{ Params: InstanceParams }>(
    '/api/instances/:id/drain',
    { config: { auth: ['supervisor'] }, schema: { params: InstanceParams, response: { 200: InstanceInfo, '4xx': HttpErrorResponse, '5xx': HttpErrorResponse } } },
    async (request) => {
      const { id } = request.params;
      if (!(await registry.isLive(id))) throw new ProtocolError('NOT_FOUND', `No live instance ${id}`);
      const info = id === registry.id
        ? (await registry.drain(), (await registry.live()).find((i) => i.id === id))
        : await forwarder.call<InstanceInfo | undefined>(id, 'cluster:drain', {});
      if (!info) throw new ProtocolError('UNAVAILABLE', 'The instance did not report back');
      request.log.warn({ instance: id, by: request.principal?.sub }, 'instance draining');
      return info;
    },
  );
}
