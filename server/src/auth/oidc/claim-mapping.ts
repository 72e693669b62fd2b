import { ProtocolError, SIGNED_IN_ROLES, SignedInClaims, parse, type SignedInRole } from '@etax-assist/protocol';
import type { OidcClaimMapping } from '../../config/env.js';

/** A claim as a list of strings: an array, or one string of space- or comma-separated items. */
function listClaim(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  if (typeof value === 'string') return value.split(/[\s,]+/).filter((item) => item !== '');
  return [];
}

/**
 * Turns what the identity provider says about a person (ID token and userinfo claims) into the
 * claims this service signs. The one place that knows the provider's claim names: the staff
 * directory (keyed by the same `sub`) takes the skills over from here once it holds them.
 */
export class ClaimMapping {
  constructor(private readonly mapping: OidcClaimMapping) {}

  /** Refuses (SIGN_IN_FAILED, reason `access`) someone the claims give no role. */
  map(claims: Record<string, unknown>): SignedInClaims {
    const role = this.#roleOf(claims);
    if (role === undefined) {
      throw new ProtocolError('SIGN_IN_FAILED', 'Signed in at the identity provider, but in no group that gives access to this service', { reason: 'access' });
    }
    const { sub } = claims;
    const nameClaim = claims[this.mapping.name];
    const name = typeof nameClaim === 'string' && nameClaim.trim() !== '' ? nameClaim.trim() : String(sub);
    // an administrator has no skills: nothing routes to them
    const mapped =
      role === 'admin' ? { sub, role, name } : { sub, role, name, languages: listClaim(claims[this.mapping.languages]), topics: listClaim(claims[this.mapping.topics]) };
    return parse(SignedInClaims, mapped, 'identity provider claims');
  }

  #roleOf(claims: Record<string, unknown>): SignedInRole | undefined {
    const { role: roleClaim, groups, groupRoles, tier } = this.mapping;
    const direct = roleClaim === undefined ? undefined : claims[roleClaim];
    const memberOf = new Set(listClaim(claims[groups]));
    const role =
      typeof direct === 'string' && (SIGNED_IN_ROLES as readonly string[]).includes(direct) ? (direct as SignedInRole) : groupRoles.find(([group]) => memberOf.has(group))?.[1];
    return role === 'agent' && tier !== undefined && claims[tier] === 'expert' ? 'expert' : role;
  }
}
