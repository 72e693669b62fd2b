import { ProtocolError } from '@etax-assist/protocol';
import type { DeviceRegistry, KioskInService } from './device-registry.js';
import type { DeviceTokens } from './device-tokens.js';

/** Which kiosk a device token vouches for, as the registry has it now. */
export class KioskDevices {
  constructor(
    private readonly tokens: DeviceTokens,
    private readonly registry: DeviceRegistry,
  ) {}

  /** The kiosk in service the token names; a ProtocolError says why not (bad or expired token, kiosk disabled or re-credentialed). */
  async vouchedBy(deviceToken: string): Promise<KioskInService> {
    const { kioskId, generation } = this.tokens.verify(deviceToken);
    const found = await this.registry.inService(kioskId, generation);
    if (!found) throw new ProtocolError('TOKEN_REVOKED', `Kiosk '${kioskId}' was disabled or given a new credential since this device token was issued`);
    return found;
  }
}
