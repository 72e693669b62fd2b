import {
  DeviceEventList,
  Hall,
  HallList,
  IssuedKioskCredential,
  Kiosk,
  KioskList,
  type CreateHallRequest,
  type DeviceEvent,
  type RegisterKioskRequest,
  type UpdateHallRequest,
  type UpdateKioskRequest,
} from '@etax-assist/protocol';
import { bearer, call } from './api.js';

/** The halls and kiosks admin API (protocol/src/devices.ts), for the `admin` role. */
export class DevicesApi {
  /** `token`: a current token for each call (a provider sign-in's is renewed). */
  constructor(private readonly token: () => Promise<string>) {}

  async halls(): Promise<Hall[]> {
    return (await call('/api/devices/halls', bearer(await this.token()), HallList)).halls;
  }

  async createHall(hall: CreateHallRequest): Promise<Hall> {
    return call('/api/devices/halls', await this.#send('POST', hall), Hall);
  }

  async updateHall(id: string, change: UpdateHallRequest): Promise<Hall> {
    return call(`/api/devices/halls/${encodeURIComponent(id)}`, await this.#send('PATCH', change), Hall);
  }

  async kiosks(): Promise<Kiosk[]> {
    return (await call('/api/devices/kiosks', bearer(await this.token()), KioskList)).kiosks;
  }

  async registerKiosk(kiosk: RegisterKioskRequest): Promise<IssuedKioskCredential> {
    return call('/api/devices/kiosks', await this.#send('POST', kiosk), IssuedKioskCredential);
  }

  async updateKiosk(id: string, change: UpdateKioskRequest): Promise<Kiosk> {
    return call(`/api/devices/kiosks/${encodeURIComponent(id)}`, await this.#send('PATCH', change), Kiosk);
  }

  async rotate(id: string): Promise<IssuedKioskCredential> {
    return call(`/api/devices/kiosks/${encodeURIComponent(id)}/credential`, await this.#send('POST'), IssuedKioskCredential);
  }

  async disable(id: string): Promise<Kiosk> {
    return call(`/api/devices/kiosks/${encodeURIComponent(id)}/disable`, await this.#send('POST'), Kiosk);
  }

  /** The latest changes to halls and kiosks, newest first (the service's page, DEVICE_EVENTS_MAX). */
  async events(): Promise<DeviceEvent[]> {
    return (await call('/api/devices/events', bearer(await this.token()), DeviceEventList)).events;
  }

  async #send(method: 'POST' | 'PATCH', body?: unknown): Promise<RequestInit> {
    const { headers } = bearer(await this.token());
    return body === undefined ? { method, headers } : { method, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) };
  }
}
