import { ProtocolError, type CreateStaffMember, type SignedInClaims, type StaffMember } from '@etax-assist/protocol';
import type { StaffAccount } from '../auth/accounts.js';
import { tierOf } from '../dispatcher/dispatcher.js';
import { isDatabaseOutage } from '../database/outage.js';
import type { DisabledStaff } from './disabled-staff.js';
import { UNKNOWN_LEVEL } from './routing-profile.js';
import type { StaffDirectory } from './staff-directory.js';

type Claimed = Pick<StaffMember, 'role' | 'name' | 'languages'> & { sub: string; topics: readonly string[] };

function claimsOf({ sub, role, name, languages, topics }: Claimed): SignedInClaims {
  // an administrator has no skills: nothing routes to them
  return role === 'admin' ? { sub, role, name } : { sub, role, name, languages, topics: [...topics] };
}

const disabled = () => new ProtocolError('ACCOUNT_DISABLED', 'This staff account is disabled; ask an administrator');

/**
 * The directory's active member of `sub` (`join`: who to add when there is none, else refused),
 * or — PostgreSQL away — undefined unless the member is disabled (DisabledStaff, in Redis): staff
 * can still sign in while the system of record restarts, as routing and chat go on from Redis.
 */
async function activeMember(directory: StaffDirectory, disabledStaff: DisabledStaff, sub: string, join?: CreateStaffMember): Promise<StaffMember | undefined> {
  let member: StaffMember | undefined;
  try {
    member = await directory.find(sub);
    if (!member && join) {
      await directory.seed([join], 'oidc');
      member = await directory.get(sub);
    }
  } catch (error) {
    if (!(error instanceof Error) || !isDatabaseOutage(error)) throw error;
    if (await disabledStaff.has(sub)) throw disabled();
    return undefined;
  }
  if (!member) throw new ProtocolError('ACCOUNT_DISABLED', 'This account is not in the staff directory');
  if (!member.active) throw disabled();
  return member;
}

/**
 * The claims a development sign-in gets: those of the account's member in the staff directory,
 * which must be active (`ACCOUNT_DISABLED` otherwise); with PostgreSQL away, the accounts file's.
 */
export async function signInClaims(directory: StaffDirectory, disabledStaff: DisabledStaff, account: StaffAccount): Promise<SignedInClaims> {
  const member = await activeMember(directory, disabledStaff, account.username);
  return member ? claimsOf({ ...member, topics: member.topics.map((t) => t.topic) }) : claimsOf({ ...account, sub: account.username });
}

/**
 * The claims a sign-in through the identity provider gets, at each renewal: the provider decides
 * who it is and its role (its groups); the staff directory its skills and whether it may sign in.
 * A first sign-in adds the member to the directory (just in time, by `oidc`) with the skills the
 * provider's claims carry, if any, for an administrator to complete; a disabled member is refused
 * (`ACCOUNT_DISABLED`). With PostgreSQL away, the provider's claims.
 */
export async function providerSignInClaims(directory: StaffDirectory, disabledStaff: DisabledStaff, mapped: SignedInClaims, capacity: number): Promise<SignedInClaims> {
  const languages = 'languages' in mapped ? (mapped.languages ?? []) : [];
  const topics = 'topics' in mapped ? (mapped.topics ?? []) : [];
  const join = {
    sub: mapped.sub,
    name: mapped.name,
    role: mapped.role,
    tier: tierOf(mapped.role),
    languages,
    topics: topics.map((topic) => ({ topic, level: UNKNOWN_LEVEL })),
    capacity,
    halls: [],
  };
  const member = await activeMember(directory, disabledStaff, mapped.sub, join);
  return member ? claimsOf({ ...member, sub: mapped.sub, role: mapped.role, name: mapped.name, topics: member.topics.map((t) => t.topic) }) : mapped;
}
