import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JWTVerifyGetKey } from 'jose';
import type { Config } from '../config/env.js';
import { persistedSecret } from '../config/persisted-secret.js';
import { remotePortalKeys } from './portal-keys.js';

export type PortalKey =
  | { alg: 'HS256'; secret: string }
  | { alg: 'RS256'; publicKey: string; privateKey: string | undefined }
  /** The portal's published key set (PORTAL_JWKS_URL): nothing here can sign portal tokens. */
  | { alg: 'JWKS'; keySet: JWTVerifyGetKey };

export interface AuthKeys {
  staffSecret: string;
  portal: PortalKey;
}

/**
 * The keys tokens are signed and checked with. Configured values win (the portal's JWKS first); outside production the
 * missing ones are generated once and kept under DATA_DIR so tokens survive a restart.
 * (loadConfig already refuses a production start without the required ones.)
 */
export function loadAuthKeys(config: Config): AuthKeys {
  const { auth } = config;
  const dir = join(config.dataDir, 'secrets');
  const secret = (): string => randomBytes(48).toString('base64url');
  const staffSecret = auth.staffSecret ?? persistedSecret(dir, 'staff-jwt.secret', secret);
  const { jwksUrl } = config.portal;
  if (jwksUrl) return { staffSecret, portal: { alg: 'JWKS', keySet: remotePortalKeys({ ...config.portal, jwksUrl }) } };

  if (auth.portalAlg === 'HS256') {
    return { staffSecret, portal: { alg: 'HS256', secret: auth.portalSecret ?? persistedSecret(dir, 'portal-jwt.secret', secret) } };
  }
  if (auth.portalPublicKeyFile) {
    const publicKey = readFileSync(auth.portalPublicKeyFile, 'utf8');
    const privateKey = auth.portalPrivateKeyFile ? readFileSync(auth.portalPrivateKeyFile, 'utf8') : undefined;
    return { staffSecret, portal: { alg: 'RS256', publicKey, privateKey } };
  }
  let pair: { publicKey: string; privateKey: string } | undefined;
  const generate = (): { publicKey: string; privateKey: string } =>
    (pair ??= generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    }));
  const privateKey = persistedSecret(dir, 'portal-rs256.key.pem', () => generate().privateKey);
  const publicKey = persistedSecret(dir, 'portal-rs256.pub.pem', () => generate().publicKey);
  return { staffSecret, portal: { alg: 'RS256', publicKey, privateKey } };
}
