import type { CreateHallRequest, DeviceTokenResponse, HelpRequest, IssuedKioskCredential } from '@etax-assist/protocol';
import type { TestService } from './service.js';

/** The development administrator of config/dev-accounts.json. */
export const ADMIN_PASSWORD = 'admin1-pass';

/** A registered kiosk as a test holds it: its credential and a device token for it. */
export interface TestKiosk {
  kioskId: string;
  credential: string;
  deviceToken: string;
}

async function call<T>(url: string, method: string, token: string | undefined, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(url, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

/**
 * Registers a kiosk in a hall the way an administrator does (the hall created when new; a kiosk
 * registered already is given a new credential) and exchanges its credential for a device token
 * the way the kiosk does: what a test needs to make a help request from a kiosk.
 */
export async function registerTestKiosk(
  serviceUrl: string,
  adminToken: string,
  kioskId: string,
  hall: Pick<CreateHallRequest, 'id' | 'nameZh'> & Partial<CreateHallRequest>,
): Promise<TestKiosk> {
  const halls = await call(`${serviceUrl}/api/devices/halls`, 'POST', adminToken, { nameEn: hall.nameZh, address: '', region: '', ...hall });
  if (halls.status !== 201 && halls.status !== 409) throw new Error(`hall not created: ${halls.status} ${JSON.stringify(halls.body)}`);
  let registered = await call<IssuedKioskCredential>(`${serviceUrl}/api/devices/kiosks`, 'POST', adminToken, { id: kioskId, hallId: hall.id, location: 'test' });
  if (registered.status === 409) registered = await call<IssuedKioskCredential>(`${serviceUrl}/api/devices/kiosks/${kioskId}/credential`, 'POST', adminToken);
  if (registered.status !== 201) throw new Error(`kiosk not registered: ${registered.status} ${JSON.stringify(registered.body)}`);
  const { credential } = registered.body;
  return { kioskId, credential, deviceToken: await deviceToken(serviceUrl, kioskId, credential) };
}

/** The kiosk's exchange: its credential for a device token (POST /api/devices/token). */
export async function deviceToken(serviceUrl: string, kioskId: string, credential: string): Promise<string> {
  const exchanged = await call<DeviceTokenResponse>(`${serviceUrl}/api/devices/token`, 'POST', undefined, { kioskId, credential });
  if (exchanged.status !== 200) throw new Error(`device token refused: ${exchanged.status} ${JSON.stringify(exchanged.body)}`);
  return exchanged.body.token;
}

/** A help request's entry from a kiosk registered for the purpose in the hall named `hallName`. */
export async function kioskEntry(t: TestService, kioskId: string, hallName: string): Promise<HelpRequest['entry']> {
  const adminToken = await t.staffToken('admin1', ADMIN_PASSWORD);
  const { deviceToken } = await registerTestKiosk(t.url, adminToken, kioskId, { id: `hall-${Buffer.from(hallName).toString('hex').slice(0, 24)}`, nameZh: hallName });
  return { kind: 'kiosk', device: deviceToken };
}
