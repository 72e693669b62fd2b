import { HallList, Hall, IssuedKioskCredential, Kiosk, KioskList, type CreateHallRequest, type RegisterKioskRequest } from '@etax-assist/protocol';
import { bearer, call } from './api.js';

/** The halls and kiosks admin API (protocol/src/devices.ts), for the `admin` role. */
export class DevicesApi {
  constructor(private readonly token: string) {}

  async halls(): Promise<Hall[]> {
    return (await call('/api/devices/halls', bearer(this.token), HallList)).halls;
  }

  createHall(hall: CreateHallRequest): Promise<Hall> {
    return call('/api/devices/halls', this.#post(hall), Hall);
  }

  async kiosks(): Promise<Kiosk[]> {
    return (await call('/api/devices/kiosks', bearer(this.token), KioskList)).kiosks;
  }

  registerKiosk(kiosk: RegisterKioskRequest): Promise<IssuedKioskCredential> {
    return call('/api/devices/kiosks', this.#post(kiosk), IssuedKioskCredential);
  }

  rotate(id: string): Promise<IssuedKioskCredential> {
    return call(`/api/devices/kiosks/${encodeURIComponent(id)}/credential`, this.#post(), IssuedKioskCredential);
  }

  disable(id: string): Promise<Kiosk> {
    return call(`/api/devices/kiosks/${encodeURIComponent(id)}/disable`, this.#post(), Kiosk);
  }

  #post(body?: unknown): RequestInit {
    const { headers } = bearer(this.token);
    return body === undefined ? { method: 'POST', headers } : { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) };
  }
}
