import { ProtocolError, type InstanceInfo } from '@etax-assist/protocol';
import type { Forwarder } from './forwarder.js';
import type { InstanceRegistry } from './instance-registry.js';

/** Drains the named instance, through whichever instance was asked (HTTP or the dashboard). */
export async function drainInstance(registry: InstanceRegistry, forwarder: Forwarder, id: string): Promise<InstanceInfo> {
  if (!(await registry.isLive(id))) throw new ProtocolError('NOT_FOUND', `No live instance ${id}`);
  return id === registry.id ? registry.drain() : forwarder.call(id, 'cluster:drain', {});
}
