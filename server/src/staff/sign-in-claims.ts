import { ProtocolError, type SignedInClaims, type StaffMember } from '@etax-assist/protocol';
import type { StaffAccount } from '../auth/accounts.js';
import { tierOf } from '../dispatcher/dispatcher.js';
import { isDatabaseOutage } from '../database/outage.js';
import type { DisabledStaff } from './disabled-staff.js';
import type { StaffDirectory } from './staff-directory.js';

type Claimed = Pick<StaffMember, 'role' | 'name' | 'languages'> & { sub: string; topics: readonly string[] };

function claimsOf({ sub, role, name, languages, topics }: Claimed): SignedInClaims {
  // an administrator has no skills: nothing routes to them
  return role === 'admin' ? { sub, role, name } : { sub, role, name, languages, topics: [...topics] };
}

/**
 * The claims a development sign-in gets: those of the account's member in the staff directory,
 * which must be active (`ACCOUNT_DISABLED` otherwise). With PostgreSQL away, the accounts file's,
 * unless the member is disabled (DisabledStaff, in Redis): staff can still sign in while the
 * system of record restarts, as routing and chat go on from Redis.
 */
export async function signInClaims(directory: StaffDirectory, disabledStaff: DisabledStaff, account: StaffAccount): Promise<SignedInClaims> {
  let member: StaffMember | undefined;
  try {
    member = await directory.find(account.username);
  } catch (error) {
    if (!(error instanceof Error) || !isDatabaseOutage(error)) throw error;
    if (await disabledStaff.has(account.username)) throw new ProtocolError('ACCOUNT_DISABLED', 'This staff account is disabled; ask an administrator');
    return claimsOf({ ...account, sub: account.username });
  }
  if (!member) throw new ProtocolError('ACCOUNT_DISABLED', 'This account is not in the staff directory');
  if (!member.active) throw new ProtocolError('ACCOUNT_DISABLED', 'This staff account is disabled; ask an administrator');
  return claimsOf({ ...member, topics: member.topics.map((t) => t.topic) });
}

/**
 * The claims a sign-in through the identity provider gets, at each renewal: the provider decides
 * who it is and its role (its groups); the staff directory its skills and whether it may sign in.
 * A first sign-in adds the member to the directory (just in time, by `oidc`) with the skills the
 * provider's claims carry, if any, for an administrator to complete; a disabled member is refused
 * (`ACCOUNT_DISABLED`). With PostgreSQL away, the provider's claims, unless disabled (Redis).
 */
export async function providerSignInClaims(directory: StaffDirectory, disabledStaff: DisabledStaff, mapped: SignedInClaims, capacity: number): Promise<SignedInClaims> {
  const languages = 'languages' in mapped ? (mapped.languages ?? []) : [];
  const topics = 'topics' in mapped ? (mapped.topics ?? []) : [];
  let member: StaffMember | undefined;
  try {
    member = await directory.find(mapped.sub);
    if (!member) {
      const joining = {
        sub: mapped.sub,
        name: mapped.name,
        role: mapped.role,
        tier: tierOf(mapped.role),
        languages,
        topics: topics.map((topic) => ({ topic, level: 3 })),
        capacity,
        halls: [],
      };
      await directory.seed([joining], 'oidc');
      member = await directory.get(mapped.sub);
    }
  } catch (error) {
    if (!(error instanceof Error) || !isDatabaseOutage(error)) throw error;
    if (await disabledStaff.has(mapped.sub)) throw new ProtocolError('ACCOUNT_DISABLED', 'This staff account is disabled; ask an administrator');
    return mapped;
  }
  if (!member.active) throw new ProtocolError('ACCOUNT_DISABLED', 'This staff account is disabled; ask an administrator');
  return claimsOf({ ...member, sub: mapped.sub, role: mapped.role, name: mapped.name, topics: member.topics.map((t) => t.topic) });
}
