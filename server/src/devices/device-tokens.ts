import jwt from 'jsonwebtoken';
import { ProtocolError, type DeviceTokenResponse, type Kiosk } from '@etax-assist/protocol';

export interface DeviceTokenSettings {
  /** The service's own HS256 secret (the staff one); device tokens have their own issuer, so neither passes for the other. */
  secret: string;
  issuer: string;
  audience: string;
  ttlS: number;
  clockToleranceS: number;
}

/** What a device token says: the kiosk, and the credential generation it was issued under. */
export interface DeviceIdentity {
  kioskId: string;
  generation: string;
}

/**
 * Short-lived tokens a kiosk gets for its credential (POST /api/devices/token) and sends with its
 * help requests. They are not principals: TokenService refuses their issuer, so a device token
 * opens no connection and no API.
 */
export class DeviceTokens {
  constructor(private readonly settings: DeviceTokenSettings) {}

  issue(kiosk: Kiosk): DeviceTokenResponse {
    const { secret, issuer, audience, ttlS } = this.settings;
    const token = jwt.sign({ gen: kiosk.rotatedAt }, secret, { algorithm: 'HS256', subject: kiosk.id, issuer, audience, expiresIn: ttlS });
    return { token, expiresAt: new Date(Date.now() + ttlS * 1000).toISOString(), kioskId: kiosk.id, hallId: kiosk.hallId };
  }

  /** The device a token names; a refusal says why (expired, not a device token). */
  verify(token: string): DeviceIdentity {
    const { secret, issuer, audience, clockToleranceS } = this.settings;
    try {
      const payload = jwt.verify(token, secret, { algorithms: ['HS256'], issuer, audience, clockTolerance: clockToleranceS });
      if (typeof payload === 'string' || typeof payload.sub !== 'string' || typeof payload['gen'] !== 'string' || payload.exp === undefined) {
        throw new ProtocolError('TOKEN_INVALID', 'The device token does not name a kiosk');
      }
      return { kioskId: payload.sub, generation: payload['gen'] };
    } catch (error) {
      if (error instanceof ProtocolError) throw error;
      if (error instanceof jwt.TokenExpiredError) throw new ProtocolError('TOKEN_EXPIRED', 'The device token has expired');
      throw new ProtocolError('TOKEN_INVALID', `The device token was rejected: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
