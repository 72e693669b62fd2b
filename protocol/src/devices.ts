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
});
export type Hall = Static<typeof Hall>;

export const CreateHallRequest = Type.Object(Hall.properties, { additionalProperties: false });
export type CreateHallRequest = Static<typeof CreateHallRequest>;

export const UpdateHallRequest = Type.Partial(Type.Omit(CreateHallRequest, ['id']), { additionalProperties: false, minProperties: 1 });
export type UpdateHallRequest = Static<typeof UpdateHallRequest>;

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
