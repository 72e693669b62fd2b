import type { FastifyError, FastifyInstance } from 'fastify';
import { ProtocolError, type ErrorBody, type HttpErrorResponse } from '@etax-assist/protocol';
import { asUnavailable } from '../redis/unavailable.js';

/** Maps any failure to the protocol's `{ error: { code, message } }` with its HTTP status. */
export function toErrorResponse(thrown: unknown): { status: number; body: HttpErrorResponse } {
  const error = asUnavailable(thrown);
  if (error instanceof ProtocolError) return { status: error.httpStatus, body: { error: error.toBody() } };
  const fastifyError = error as Partial<FastifyError>;
  if (fastifyError.validation) {
    const body: ErrorBody = {
      code: 'VALIDATION_FAILED',
      message: `Invalid request: ${fastifyError.message ?? 'does not match its schema'}`,
      details: {
        violations: fastifyError.validation.map((v) => ({ path: v.instancePath || '/', message: v.message ?? '' })),
      },
    };
    return { status: 400, body: { error: body } };
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE', message: 'The request body is too large' } } };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, body: { error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Unsupported content type' } } };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, body: { error: { code: 'BAD_REQUEST', message: 'The body is not valid JSON' } } };
  }
  const status = fastifyError.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return { status, body: { error: { code: 'BAD_REQUEST', message: fastifyError.message ?? 'Bad request' } } };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'Internal error' } } };
}

/** Seconds a RATE_LIMITED refusal asks the client to wait, when it says so (`details.retryAfterS`). */
function retryAfterS(body: HttpErrorResponse): number | undefined {
  const details = body.error.details as { retryAfterS?: unknown } | undefined;
  return body.error.code === 'RATE_LIMITED' && typeof details?.retryAfterS === 'number' ? details.retryAfterS : undefined;
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const { status, body } = toErrorResponse(error);
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    const retryAfter = retryAfterS(body);
    if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
    return reply.status(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => reply.status(404).send({ error: { code: 'NOT_FOUND', message: `No route ${request.method} ${request.url}` } }));
}
