import { Type, type Static } from '@sinclair/typebox';

/**
 * Halls and kiosks (HTTP; docs/devices.md): the registry an administrator keeps (the `admin`
 * role), and the exchange by which a kiosk turns its credential into a short-lived device token.
 */

const deviceId = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$' });
const name = Type.String({ minLength: 1, maxLength: 128 });
const at = Type.String({ format: 'date-time' });

export const Hall = Type.Object({
  id: deviceId,
  nameZh: name,
  nameEn: name,
  address: Type.String({ maxLength: 500 }),
  /** The district or region it serves, as the authority names it (free text). */
  region: Type.String({ maxLength: 128 }),
  /** A hall out of service takes no kiosks; its sessions still name it. */
  active: Type.Boolean(),
});
export type Hall = Static<typeof Hall>;

/** A new hall is active. */
export const CreateHallRequest = Type.Object(Type.Omit(Hall, ['active']).properties, { additionalProperties: false });
export type CreateHallRequest = Static<typeof CreateHallRequest>;

/** Deactivating a hall is refused (`HALL_IN_USE`, details: HallInUse) while active kiosks stand in it. */
export const UpdateHallRequest = Type.Partial(Type.Omit(Hall, ['id']), { additionalProperties: false, minProperties: 1 });
export type UpdateHallRequest = Static<typeof UpdateHallRequest>;

/** Why a hall cannot be taken out of service: the active kiosks standing in it (to disable or move first). */
export const HallInUse = Type.Object({ activeKiosks: Type.Array(deviceId) });
export type HallInUse = Static<typeof HallInUse>;

/** GET /api/devices/halls: every staff role reads it, to name the halls entries and figures carry by id. */
export const HallList = Type.Object({ halls: Type.Array(Hall) });
export type HallList = Static<typeof HallList>;

export const Kiosk = Type.Object({
  id: deviceId,
  hallId: deviceId,
  /** Where in the hall it stands (counter 3, entrance…). */
  location: Type.String({ maxLength: 200 }),
  active: Type.Boolean(),
  createdAt: at,
  /** When its credential was last issued (registration or rotation). */
  rotatedAt: at,
});
export type Kiosk = Static<typeof Kiosk>;

export const RegisterKioskRequest = Type.Object({ id: deviceId, hallId: deviceId, location: Kiosk.properties.location }, { additionalProperties: false });
export type RegisterKioskRequest = Static<typeof RegisterKioskRequest>;

/** Moves a kiosk to another (active) hall or place; its credential and device tokens stay valid, its next requests name the new hall. */
export const UpdateKioskRequest = Type.Partial(Type.Omit(RegisterKioskRequest, ['id']), { additionalProperties: false, minProperties: 1 });
export type UpdateKioskRequest = Static<typeof UpdateKioskRequest>;

export const KioskList = Type.Object({ kiosks: Type.Array(Kiosk) });
export type KioskList = Static<typeof KioskList>;

/** A kiosk with its credential: shown once (registration, rotation); the service keeps only its hash. */
export const IssuedKioskCredential = Type.Object({ kiosk: Kiosk, credential: Type.String() });
export type IssuedKioskCredential = Static<typeof IssuedKioskCredential>;

export const DeviceParams = Type.Object({ id: deviceId }, { additionalProperties: false });
export type DeviceParams = Static<typeof DeviceParams>;

/** What a kiosk presents to get a device token (POST /api/devices/token). */
export const DeviceTokenRequest = Type.Object({ kioskId: deviceId, credential: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });
export type DeviceTokenRequest = Static<typeof DeviceTokenRequest>;

export const DeviceTokenResponse = Type.Object({ token: Type.String(), expiresAt: at, kioskId: deviceId, hallId: deviceId });
export type DeviceTokenResponse = Static<typeof DeviceTokenResponse>;

/** A hall was added or changed (to every staff socket, on every instance): the console fetches GET /api/devices/halls again to name them. */
export const HallsChangedEvent = Type.Object({ hallId: deviceId }, { additionalProperties: false });
export type HallsChangedEvent = Static<typeof HallsChangedEvent>;

/** What an administrator did to a hall or a kiosk (the devices' audit trail, GET /api/devices/events). */
export const DEVICE_EVENT_KINDS = ['hall-created', 'hall-updated', 'kiosk-registered', 'kiosk-updated', 'kiosk-rotated', 'kiosk-disabled'] as const;
export type DeviceEventKind = (typeof DEVICE_EVENT_KINDS)[number];

export const DeviceEvent = Type.Object({
  id: Type.String(),
  kind: Type.Union(DEVICE_EVENT_KINDS.map((kind) => Type.Literal(kind))),
  /** The hall's or the kiosk's id. */
  device: deviceId,
  by: Type.String(),
  at,
  /** Each changed field, before and after (a creation: after only; a rotation: none, the credential is never written). */
  changes: Type.Record(Type.String(), Type.Object({ before: Type.Unknown(), after: Type.Unknown() })),
});
export type DeviceEvent = Static<typeof DeviceEvent>;

/** GET /api/devices/events: of one hall or kiosk (`device`), or of all; at most DEVICE_EVENTS_MAX. */
export const DeviceEventsQuery = Type.Object(
  { device: Type.Optional(deviceId), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })) },
  { additionalProperties: false },
);
export type DeviceEventsQuery = Static<typeof DeviceEventsQuery>;

export const DeviceEventList = Type.Object({ events: Type.Array(DeviceEvent) });
export type DeviceEventList = Static<typeof DeviceEventList>;
