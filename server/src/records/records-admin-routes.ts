import type { FastifyInstance } from 'fastify';
import {
  Erasure,
  ErasureList,
  ErasureRequest,
  ErasuresQuery,
  HttpErrorResponse,
  LegalHold,
  LegalHoldList,
  LegalHoldParams,
  LegalHoldsQuery,
  PlaceLegalHoldRequest,
} from '@etax-assist/protocol';
import { principalOf } from '../auth/http-guard.js';
import type { TaxpayerErasure } from './erasure.js';
import type { LegalHolds } from './legal-holds.js';

export interface RecordsAdminRoutesOptions {
  holds: LegalHolds;
  erasure: TaxpayerErasure;
}

/** Administrators only (protocol/src/auth.ts AdminClaims): until staff administration, no one else manages the record. */
const ADMIN = ['admin'] as const;
const errors = { '4xx': HttpErrorResponse, '5xx': HttpErrorResponse };

/** The records admin API (protocol/src/records-admin.ts): legal holds and erasures on request. */
export async function recordsAdminRoutes(app: FastifyInstance, { holds, erasure }: RecordsAdminRoutesOptions): Promise<void> {
  app.get<{ Querystring: LegalHoldsQuery }>(
    '/api/records/holds',
    { config: { auth: ADMIN }, schema: { querystring: LegalHoldsQuery, response: { 200: LegalHoldList, ...errors } } },
    async (request) => ({ holds: await holds.list(request.query) }),
  );
  app.post<{ Body: PlaceLegalHoldRequest }>(
    '/api/records/holds',
    { config: { auth: ADMIN }, schema: { body: PlaceLegalHoldRequest, response: { 201: LegalHold, ...errors } } },
    async (request, reply) => {
      const hold = await holds.place(request.body.sessionId, request.body.reason, principalOf(request).sub);
      request.log.info({ sessionId: hold.sessionId, by: hold.placedBy }, 'legal hold placed');
      return reply.code(201).send(hold);
    },
  );
  app.delete<{ Params: LegalHoldParams }>(
    '/api/records/holds/:sessionId',
    { config: { auth: ADMIN }, schema: { params: LegalHoldParams, response: { 200: LegalHold, ...errors } } },
    async (request) => {
      const hold = await holds.release(request.params.sessionId, principalOf(request).sub);
      request.log.info({ sessionId: hold.sessionId, by: hold.releasedBy }, 'legal hold released');
      return hold;
    },
  );
  app.get<{ Querystring: ErasuresQuery }>(
    '/api/records/erasures',
    { config: { auth: ADMIN }, schema: { querystring: ErasuresQuery, response: { 200: ErasureList, ...errors } } },
    async (request) => ({ erasures: await erasure.list(request.query) }),
  );
  app.post<{ Body: ErasureRequest }>(
    '/api/records/erasures',
    { config: { auth: ADMIN }, schema: { body: ErasureRequest, response: { 201: Erasure, ...errors } } },
    async (request, reply) => {
      const done = await erasure.erase(request.body, principalOf(request).sub);
      // the log line names the erasure, never the taxpayer
      request.log.info({ erasure: done.id, sessions: done.sessions, heldKept: done.heldKept.length }, 'taxpayer records erased on request');
      return reply.code(201).send(done);
    },
  );
}
