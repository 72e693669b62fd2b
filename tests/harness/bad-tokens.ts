import jwt from 'jsonwebtoken';
import { CLUSTER_SECRETS, type TestService } from './service.js';

/** A token the service must refuse, and how: the code, and the message of the check that refuses it. */
export interface BadToken {
  name: string;
  make: (t: TestService) => string | undefined;
  code: string;
  message: RegExp;
}

const taxpayer = { sub: 'tp-bad-token', role: 'taxpayer', name: 'x' };
const staff = { sub: 'agent1', role: 'supervisor', name: 'x' };
const portal = { issuer: 'etax-portal', audience: 'etax-assist', expiresIn: 60 } as const;
const service = { issuer: 'etax-assist', audience: 'etax-assist', expiresIn: 60 } as const;

/**
 * Refusals of a service started with CLUSTER_SECRETS (HS256 portal). Each bad token is signed with
 * the right key unless the key is the point, so it is refused by the check named, not an earlier one.
 */
export const BAD_TOKENS: BadToken[] = [
  { name: 'missing', make: () => undefined, code: 'UNAUTHENTICATED', message: /bearer token is required/ },
  { name: 'expired', make: (t) => t.taxpayerToken({}, -30), code: 'TOKEN_EXPIRED', message: /expired/ },
  { name: 'forged', make: () => jwt.sign(staff, 'f'.repeat(40), service), code: 'TOKEN_INVALID', message: /invalid signature/ },
  {
    name: 'wrong-audience portal',
    make: () => jwt.sign(taxpayer, CLUSTER_SECRETS.PORTAL_JWT_SECRET, { ...portal, audience: 'elsewhere' }),
    code: 'TOKEN_INVALID',
    message: /audience invalid/,
  },
  {
    name: 'wrong-audience staff',
    make: () => jwt.sign(staff, CLUSTER_SECRETS.STAFF_JWT_SECRET, { ...service, audience: 'elsewhere' }),
    code: 'TOKEN_INVALID',
    message: /audience invalid/,
  },
  {
    name: 'without-exp',
    make: () => jwt.sign(taxpayer, CLUSTER_SECRETS.PORTAL_JWT_SECRET, { issuer: portal.issuer, audience: portal.audience }),
    code: 'TOKEN_INVALID',
    message: /no expiry/,
  },
  { name: 'alg-none', make: () => jwt.sign(staff, '', { ...service, algorithm: 'none' }), code: 'TOKEN_INVALID', message: /signature is required/ },
  {
    name: 'portal-with-staff-role',
    make: () => jwt.sign({ ...taxpayer, role: 'supervisor' }, CLUSTER_SECRETS.PORTAL_JWT_SECRET, portal),
    code: 'FORBIDDEN',
    message: /only carry the taxpayer role/,
  },
];
