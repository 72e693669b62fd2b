import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { ProtocolError } from '@etax-assist/protocol';
import type { Config } from '../config/env.js';

/** The algorithms a portal's published keys may sign with (asymmetric only: a JWKS is public). */
const JWKS_ALGORITHMS = ['RS256', 'ES256'];

export interface PortalCheck {
  issuer: string;
  audience: string;
  clockToleranceS: number;
}

/**
 * The portal's key set fetched from PORTAL_JWKS_URL (jose's remote JWKS). A token is checked
 * against the cached set; the set is fetched again once it is older than the cache age (so a
 * withdrawn key stops working then) or when a token names a `kid` it lacks (so a new key works
 * at once), at most once per cooldown.
 */
export function remotePortalKeys(portal: Config['portal'] & { jwksUrl: string }): JWTVerifyGetKey {
  return createRemoteJWKSet(new URL(portal.jwksUrl), {
    cacheMaxAge: portal.jwksCacheMaxAgeMs,
    cooldownDuration: portal.jwksCooldownMs,
    timeoutDuration: portal.jwksTimeoutMs,
  });
}

/** Verifies a portal token against its key set; refusals are ProtocolErrors naming why. */
export async function verifyWithKeySet(token: string, keys: JWTVerifyGetKey, check: PortalCheck): Promise<JWTPayload> {
  try {
    const { payload } = await jwtVerify(token, keys, {
      algorithms: JWKS_ALGORITHMS,
      issuer: check.issuer,
      audience: check.audience,
      clockTolerance: check.clockToleranceS,
      requiredClaims: ['exp'],
    });
    return payload;
  } catch (error) {
    if (error instanceof errors.JWTExpired) throw new ProtocolError('TOKEN_EXPIRED', 'The token has expired');
    if (error instanceof errors.JWKSNoMatchingKey) throw new ProtocolError('TOKEN_INVALID', 'The token was rejected: the portal publishes no key with its kid');
    // the portal's key set could not be fetched: the token may well be good, so ask again later
    if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || !(error instanceof errors.JOSEError)) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ProtocolError('UNAVAILABLE', `The portal's keys could not be fetched: ${reason}`);
    }
    throw new ProtocolError('TOKEN_INVALID', `The token was rejected: ${error.message}`);
  }
}
