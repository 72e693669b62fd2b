import type { FastifyInstance } from 'fastify';
import { HttpErrorResponse, RecordSearchPage, RecordSearchQuery, SessionRecord, SessionRecordParams, SessionRecordQuery } from '@etax-assist/protocol';
import { principalOf } from '../auth/http-guard.js';
import type { SessionRecordReader } from './session-record.js';
import type { SessionSearch } from './session-search.js';

export interface RecordsRoutesOptions {
  search: SessionSearch;
  reader: SessionRecordReader;
}

const response = <S>(ok: S) => ({ 200: ok, '4xx': HttpErrorResponse, '5xx': HttpErrorResponse });

/** Reading the record (docs/records.md, "Reading"): supervisors only, every read in the audit trail. */
export async function recordsRoutes(app: FastifyInstance, { search, reader }: RecordsRoutesOptions): Promise<void> {
  app.get<{ Querystring: RecordSearchQuery }>(
    '/api/records/sessions',
    { config: { auth: ['supervisor'] }, schema: { querystring: RecordSearchQuery, response: response(RecordSearchPage) } },
    async (request) => search.search(principalOf(request), request.query),
  );
  app.get<{ Params: SessionRecordParams; Querystring: SessionRecordQuery }>(
    '/api/records/sessions/:sessionId',
    { config: { auth: ['supervisor'] }, schema: { params: SessionRecordParams, querystring: SessionRecordQuery, response: response(SessionRecord) } },
    async (request) => reader.open(principalOf(request), request.params.sessionId, request.query),
  );
}
