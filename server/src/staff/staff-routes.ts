import type { FastifyInstance } from 'fastify';
import {
  CreateStaffMember,
  HttpErrorResponse,
  ProtocolError,
  StaffEventList,
  StaffEventsQuery,
  StaffList,
  StaffMember,
  StaffParams,
  StaffQuery,
  UpdateStaffMember,
} from '@etax-assist/protocol';
import { principalOf } from '../auth/http-guard.js';
import type { StaffChanges } from './staff-changes.js';
import type { StaffDirectory } from './staff-directory.js';

export interface StaffRoutesOptions {
  directory: StaffDirectory;
  changes: StaffChanges;
}

/** Administrators only (docs/roles.md): the staff directory decides who serves what. */
const ADMIN = ['admin'] as const;
const errors = { '4xx': HttpErrorResponse, '5xx': HttpErrorResponse };

/** The staff admin API (protocol/src/staff.ts): list and search, create, edit, disable and enable, the history. */
export async function staffRoutes(app: FastifyInstance, { directory, changes }: StaffRoutesOptions): Promise<void> {
  app.get<{ Querystring: StaffQuery }>('/api/staff', { config: { auth: ADMIN }, schema: { querystring: StaffQuery, response: { 200: StaffList, ...errors } } }, async (request) =>
    directory.list(request.query),
  );
  app.post<{ Body: CreateStaffMember }>(
    '/api/staff',
    { config: { auth: ADMIN }, schema: { body: CreateStaffMember, response: { 201: StaffMember, ...errors } } },
    async (request, reply) => {
      const member = await directory.create(request.body, principalOf(request).sub);
      request.log.info({ sub: member.sub, role: member.role }, 'staff member created');
      return reply.code(201).send(member);
    },
  );
  app.get<{ Params: StaffParams }>('/api/staff/:sub', { config: { auth: ADMIN }, schema: { params: StaffParams, response: { 200: StaffMember, ...errors } } }, async (request) =>
    directory.get(request.params.sub),
  );
  app.patch<{ Params: StaffParams; Body: UpdateStaffMember }>(
    '/api/staff/:sub',
    { config: { auth: ADMIN }, schema: { params: StaffParams, body: UpdateStaffMember, response: { 200: StaffMember, ...errors } } },
    async (request) => {
      const { member, changes: changed } = await directory.update(request.params.sub, request.body, principalOf(request).sub);
      await changes.updated(member, changed);
      request.log.info({ sub: member.sub, changed: Object.keys(changed) }, 'staff member updated');
      return member;
    },
  );
  for (const [action, active] of [
    ['disable', false],
    ['enable', true],
  ] as const) {
    app.post<{ Params: StaffParams }>(
      `/api/staff/:sub/${action}`,
      { config: { auth: ADMIN }, schema: { params: StaffParams, response: { 200: StaffMember, ...errors } } },
      async (request) => {
        const by = principalOf(request).sub;
        if (!active && request.params.sub === by) throw new ProtocolError('CONFLICT', 'An administrator cannot disable their own account');
        const { member, changed } = await directory.setActive(request.params.sub, active, by);
        // applied again when nothing changed: a retry after a failure half-way finishes the job
        await changes.activeChanged(member, by);
        if (changed) request.log.info({ sub: member.sub, by }, `staff member ${action}d`);
        return member;
      },
    );
  }
  app.get<{ Params: StaffParams; Querystring: StaffEventsQuery }>(
    '/api/staff/:sub/events',
    { config: { auth: ADMIN }, schema: { params: StaffParams, querystring: StaffEventsQuery, response: { 200: StaffEventList, ...errors } } },
    async (request) => directory.events(request.params.sub, request.query),
  );
}
