import { ProtocolError, type SignedInClaims, type StaffMember } from '@etax-assist/protocol';
import type { StaffAccount } from '../auth/accounts.js';
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
