import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { ProtocolError, SignedInClaims, TaxpayerClaims, parse, type Principal } from '@etax-assist/protocol';
import type { AuthKeys } from './keys.js';
import { verifyWithKeySet } from './portal-keys.js';

export interface TokenSettings {
  audience: string;
  staffIssuer: string;
  portalIssuer: string;
  staffTokenTtlS: number;
  clockToleranceS: number;
}

/** A token the service accepted: who it names, its id, and until when it is accepted. */
export interface VerifiedToken {
  principal: Principal;
  /** The token's `jti`, when it has one: only such tokens can be revoked (signed out). */
  jti: string | undefined;
  /** When the service stops accepting it: `exp` plus the clock tolerance, in ms since the epoch. */
  validUntilMs: number;
}

/** Longest `jti` accepted: it becomes part of a Redis key (the deny-list). */
const MAX_JTI_LENGTH = 128;

export interface IssuedToken {
  token: string;
  expiresAt: string;
}

/** A staff token with what revoking it takes (TokenDenyList.add). */
export interface IssuedStaffToken extends IssuedToken {
  jti: string;
  validUntilMs: number;
}

const CLAIM_KEYS = ['sub', 'role', 'name', 'taxpayerId', 'company', 'priority', 'languages', 'topics'] as const;

/** What #verified needs of a checked payload, whichever library checked it. */
type CheckedPayload = Record<string, unknown> & { exp?: number; jti?: unknown };

/** Keeps the identity claims of a verified payload, dropping the registered ones (iat, exp, ...). */
function identityOf(payload: CheckedPayload): Record<string, unknown> {
  const identity: Record<string, unknown> = {};
  for (const key of CLAIM_KEYS) if (payload[key] !== undefined) identity[key] = payload[key];
  return identity;
}

/**
 * Verifies every token the service accepts and signs the ones it issues.
 * Two issuers: this service (staff, HS256) and the e-tax portal (taxpayers, HS256 or RS256, or
 * RS256/ES256 against its published JWKS). The key is chosen by `iss` and the algorithms are
 * pinned per issuer, so neither `alg: none` nor an HS256 token signed with a public key can pass.
 */
export class TokenService {
  constructor(
    private readonly keys: AuthKeys,
    private readonly settings: TokenSettings,
  ) {}

  async verify(token: string | undefined): Promise<VerifiedToken> {
    if (!token) throw new ProtocolError('UNAUTHENTICATED', 'A bearer token is required');
    const decoded = jwt.decode(token, { json: true });
    if (!decoded) throw new ProtocolError('TOKEN_INVALID', 'The token is not a JWT');
    const { staffIssuer, portalIssuer } = this.settings;
    if (decoded.iss === staffIssuer) {
      const payload = this.#check(token, staffIssuer, 'HS256', this.keys.staffSecret);
      return this.#verified(payload, parse(SignedInClaims, identityOf(payload), 'staff token claims'));
    }
    if (decoded.iss === portalIssuer) {
      const payload = await this.#checkPortal(token);
      // The portal vouches for taxpayers only: a portal token claiming a staff role is refused.
      if (payload.role !== 'taxpayer') throw new ProtocolError('FORBIDDEN', 'Portal tokens can only carry the taxpayer role');
      return this.#verified(payload, parse(TaxpayerClaims, identityOf(payload), 'taxpayer token claims'));
    }
    throw new ProtocolError('TOKEN_INVALID', 'The token has an unknown issuer');
  }

  async #checkPortal(token: string): Promise<CheckedPayload> {
    const { portal } = this.keys;
    const { portalIssuer: issuer, audience, clockToleranceS } = this.settings;
    if (portal.alg === 'JWKS') return verifyWithKeySet(token, portal.keySet, { issuer, audience, clockToleranceS });
    return this.#check(token, issuer, portal.alg, portal.alg === 'HS256' ? portal.secret : portal.publicKey);
  }

  /** `payload` passed a check that requires an `exp`. */
  #verified(payload: CheckedPayload, principal: Principal): VerifiedToken {
    const { jti } = payload;
    if (jti !== undefined && (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH)) {
      throw new ProtocolError('TOKEN_INVALID', `The token id (jti) must be a string of 1 to ${MAX_JTI_LENGTH} characters`);
    }
    return { principal, jti, validUntilMs: ((payload.exp ?? 0) + this.settings.clockToleranceS) * 1000 };
  }

  #check(token: string, issuer: string, algorithm: jwt.Algorithm, key: string): jwt.JwtPayload {
    try {
      const payload = jwt.verify(token, key, {
        algorithms: [algorithm],
        audience: this.settings.audience,
        issuer,
        clockTolerance: this.settings.clockToleranceS,
      });
      if (typeof payload === 'string') throw new ProtocolError('TOKEN_INVALID', 'The token payload is not an object');
      if (payload.exp === undefined) throw new ProtocolError('TOKEN_INVALID', 'The token has no expiry');
      return payload;
    } catch (error) {
      if (error instanceof ProtocolError) throw error;
      if (error instanceof jwt.TokenExpiredError) throw new ProtocolError('TOKEN_EXPIRED', 'The token has expired');
      const reason = error instanceof Error ? error.message : String(error);
      throw new ProtocolError('TOKEN_INVALID', `The token was rejected: ${reason}`);
    }
  }

  /** `ttlS`: the dev login's tokens last a shift; the console's provider sign-in renews short ones. */
  issueStaff(claims: SignedInClaims, ttlS = this.settings.staffTokenTtlS): IssuedStaffToken {
    const { staffIssuer, audience, clockToleranceS } = this.settings;
    // an id, so a sign-out can revoke this token (auth/deny-list.ts)
    const jti = randomUUID();
    const issuedAtS = Math.floor(Date.now() / 1000);
    const token = jwt.sign({ ...claims, iat: issuedAtS }, this.keys.staffSecret, { algorithm: 'HS256', jwtid: jti, issuer: staffIssuer, audience, expiresIn: ttlS });
    return { token, expiresAt: new Date((issuedAtS + ttlS) * 1000).toISOString(), jti, validUntilMs: (issuedAtS + ttlS + clockToleranceS) * 1000 };
  }

  /** Signs a taxpayer token as the portal would; only the demo portal does this. */
  issuePortal(claims: TaxpayerClaims, ttlS: number): IssuedToken {
    const { portal } = this.keys;
    if (portal.alg === 'JWKS') throw new ProtocolError('UNAVAILABLE', "Portal tokens are checked against the portal's JWKS: this service cannot sign them");
    const key = portal.alg === 'HS256' ? portal.secret : portal.privateKey;
    if (!key) throw new ProtocolError('UNAVAILABLE', 'No portal signing key is configured');
    const token = jwt.sign({ ...claims }, key, {
      algorithm: portal.alg,
      issuer: this.settings.portalIssuer,
      audience: this.settings.audience,
      expiresIn: ttlS,
    });
    return { token, expiresAt: new Date(Date.now() + ttlS * 1000).toISOString() };
  }
}
