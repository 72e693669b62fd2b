import type { FastifyRequest } from 'fastify';
import { redactAssetToken } from '../cobrowse/assets.js';

/** How a request appears in the logs: fastify's usual fields, with capabilities cut out of the URL. */
export function requestLogFields(request: FastifyRequest): Record<string, unknown> {
  return {
    method: request.method,
    url: redactAssetToken(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}
