import type { FastifyInstance } from 'fastify';
import {
  CreateHallRequest,
  DeviceEventList,
  DeviceEventsQuery,
  DeviceParams,
  DeviceTokenRequest,
  DeviceTokenResponse,
  Hall,
  HallList,
  HttpErrorResponse,
  IssuedKioskCredential,
  Kiosk,
  KioskList,
  ProtocolError,
  RegisterKioskRequest,
  SIGNED_IN_ROLES,
  UpdateHallRequest,
  UpdateKioskRequest,
} from '@etax-assist/protocol';
import { principalOf } from '../auth/http-guard.js';
import type { SigninThrottle } from '../auth/signin-throttle.js';
import type { DeviceRegistry } from './device-registry.js';
import type { DeviceTokens } from './device-tokens.js';

export interface DeviceRoutesOptions {
  registry: DeviceRegistry;
  tokens: DeviceTokens;
  /** The sign-in throttle: a kiosk id is an account whose password is its credential. */
  throttle: SigninThrottle;
  /** The most audit trail entries one call returns (DEVICE_EVENTS_MAX). */
  eventsMax: number;
  /** Tells every open staff console that a hall was added or changed (its name is shown by id). */
  hallChanged: (hallId: string) => void;
}

const ADMIN = ['admin'] as const;
const errors = { '4xx': HttpErrorResponse, '5xx': HttpErrorResponse };
/** Kiosk ids share the throttle's account counters with staff usernames: kept apart by a prefix. */
const throttledKiosk = (id: string): string => `kiosk:${id}`;

/** The halls and kiosks admin API and the kiosks' credential exchange (protocol/src/devices.ts). */
export async function deviceRoutes(app: FastifyInstance, { registry, tokens, throttle, eventsMax, hallChanged }: DeviceRoutesOptions): Promise<void> {
  // every staff role: entries, figures and records name their hall by id, the console by its name
  app.get('/api/devices/halls', { config: { auth: SIGNED_IN_ROLES }, schema: { response: { 200: HallList, ...errors } } }, async () => ({ halls: await registry.halls() }));
  app.post<{ Body: CreateHallRequest }>(
    '/api/devices/halls',
    { config: { auth: ADMIN }, schema: { body: CreateHallRequest, response: { 201: Hall, ...errors } } },
    async (request, reply) => {
      const hall = await registry.createHall(request.body, principalOf(request).sub);
      request.log.info({ hall: hall.id, by: principalOf(request).sub }, 'hall created');
      hallChanged(hall.id);
      return reply.code(201).send(hall);
    },
  );
  app.patch<{ Params: DeviceParams; Body: UpdateHallRequest }>(
    '/api/devices/halls/:id',
    { config: { auth: ADMIN }, schema: { params: DeviceParams, body: UpdateHallRequest, response: { 200: Hall, ...errors } } },
    async (request) => {
      const hall = await registry.updateHall(request.params.id, request.body, principalOf(request).sub);
      request.log.info({ hall: hall.id, by: principalOf(request).sub }, 'hall changed');
      hallChanged(hall.id);
      return hall;
    },
  );

  app.get('/api/devices/kiosks', { config: { auth: ADMIN }, schema: { response: { 200: KioskList, ...errors } } }, async () => ({ kiosks: await registry.kiosks() }));
  app.post<{ Body: RegisterKioskRequest }>(
    '/api/devices/kiosks',
    { config: { auth: ADMIN }, schema: { body: RegisterKioskRequest, response: { 201: IssuedKioskCredential, ...errors } } },
    async (request, reply) => {
      const issued = await registry.register(request.body, principalOf(request).sub);
      request.log.info({ kiosk: issued.kiosk.id, hall: issued.kiosk.hallId, by: principalOf(request).sub }, 'kiosk registered');
      return reply.code(201).send(issued);
    },
  );
  app.patch<{ Params: DeviceParams; Body: UpdateKioskRequest }>(
    '/api/devices/kiosks/:id',
    { config: { auth: ADMIN }, schema: { params: DeviceParams, body: UpdateKioskRequest, response: { 200: Kiosk, ...errors } } },
    async (request) => {
      const kiosk = await registry.updateKiosk(request.params.id, request.body, principalOf(request).sub);
      request.log.info({ kiosk: kiosk.id, hall: kiosk.hallId, by: principalOf(request).sub }, 'kiosk changed');
      return kiosk;
    },
  );
  app.post<{ Params: DeviceParams }>(
    '/api/devices/kiosks/:id/credential',
    { config: { auth: ADMIN }, schema: { params: DeviceParams, response: { 201: IssuedKioskCredential, ...errors } } },
    async (request, reply) => {
      const issued = await registry.rotate(request.params.id, principalOf(request).sub);
      request.log.info({ kiosk: issued.kiosk.id, by: principalOf(request).sub }, 'kiosk credential rotated');
      return reply.code(201).send(issued);
    },
  );
  app.post<{ Params: DeviceParams }>(
    '/api/devices/kiosks/:id/disable',
    { config: { auth: ADMIN }, schema: { params: DeviceParams, response: { 200: Kiosk, ...errors } } },
    async (request) => {
      const kiosk = await registry.disable(request.params.id, principalOf(request).sub);
      request.log.info({ kiosk: kiosk.id, by: principalOf(request).sub }, 'kiosk disabled');
      return kiosk;
    },
  );

  app.get<{ Querystring: DeviceEventsQuery }>(
    '/api/devices/events',
    { config: { auth: ADMIN }, schema: { querystring: DeviceEventsQuery, response: { 200: DeviceEventList, ...errors } } },
    async (request) => {
      const { device, limit = eventsMax } = request.query;
      if (limit > eventsMax) throw new ProtocolError('VALIDATION_FAILED', `A page holds at most ${eventsMax} entries`, { maxLimit: eventsMax });
      return { events: await registry.events(limit, device) };
    },
  );

  app.post<{ Body: DeviceTokenRequest }>(
    '/api/devices/token',
    { config: { auth: 'public' }, schema: { body: DeviceTokenRequest, response: { 200: DeviceTokenResponse, ...errors } } },
    async (request) => {
      const { kioskId, credential } = request.body;
      const account = throttledKiosk(kioskId);
      const refusal = await throttle.begin(account, request.ip);
      if (refusal) {
        request.log.warn({ kioskId, address: request.ip, limit: refusal.limit }, 'device token throttled');
        throw new ProtocolError('RATE_LIMITED', `Too many failed device sign-ins for this ${refusal.limit}; try again in ${refusal.retryAfterS} s`, {
          retryAfterS: refusal.retryAfterS,
        });
      }
      const kiosk = await registry.authenticate(kioskId, credential);
      if (!kiosk) {
        request.log.info({ kioskId, address: request.ip }, 'device token refused');
        throw new ProtocolError('UNAUTHENTICATED', 'Unknown or disabled kiosk, or a wrong credential');
      }
      await throttle.succeeded(account, request.ip);
      return tokens.issue(kiosk);
    },
  );
}
