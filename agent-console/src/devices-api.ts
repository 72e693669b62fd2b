import { HallList, Hall, IssuedKioskCredential, Kiosk, KioskList, type CreateHallRequest, type RegisterKioskRequest } from '@etax-assist/protocol';
import { bearer, call } from './api.js';

/** The halls and kiosks admin API (protocol/src/devices.ts), for the `admin` role. */
export class DevicesApi {
  /** `token`: a current token for each call (a provider sign-in's is renewed). */
  constructor(private readonly token: () => Promise<string>) {}

  async halls(): Promise<Hall[]> {
    return (await call('/api/devices/halls', bearer(await this.token()), HallList)).halls;
  }

  async createHall(hall: CreateHallRequest): Promise<Hall> {
    return call('/api/devices/halls', await this.#post(hall), Hall);
  }

  async kiosks(): Promise<Kiosk[]> {
    return (await call('/api/devices/kiosks', bearer(await this.token()), KioskList)).kiosks;
  }

  async registerKiosk(kiosk: RegisterKioskRequest): Promise<IssuedKioskCredential> {
    return call('/api/devices/kiosks', await this.#post(kiosk), IssuedKioskCredential);
  }

  async rotate(id: string): Promise<IssuedKioskCredential> {
    return call(`/api/devices/kiosks/${encodeURIComponent(id)}/credential`, await this.#post(), IssuedKioskCredential);
  }

  async disable(id: string): Promise<Kiosk> {
    return call(`/api/devices/kiosks/${encodeURIComponent(id)}/disable`, await this.#post(), Kiosk);
  }

  async #post(body?: unknown): Promise<RequestInit> {
    const { headers } = bearer(await this.token());
    return body === undefined ? { method: 'POST', headers } : { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) };
  }
}
