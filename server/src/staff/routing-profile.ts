import type { StaffClaims, StaffMember } from '@etax-assist/protocol';
import { isDatabaseOutage } from '../database/outage.js';
import { tierOf, type AgentProfile } from '../dispatcher/dispatcher.js';
import type { StaffDirectory } from './staff-directory.js';

/** Roles the dispatcher routes sessions to. */
export const isRoutedRole = (role: StaffMember['role']): boolean => role === 'agent' || role === 'expert';

/** The level a topic is routed at when only a token names it (a new member's topics get it too). */
export const UNKNOWN_LEVEL = 3;

/** A member as the dispatcher routes to them: topics at their levels, its own text-session capacity. */
export function routingProfile(member: StaffMember): AgentProfile {
  return { id: member.sub, name: member.name, tier: member.tier, languages: member.languages, topics: member.topics, capacity: member.capacity };
}

/**
 * The profile an agent's connection registers: the directory's, or none when the directory has
 * no active member of that sub. With PostgreSQL away, the token's claims, which the directory
 * gave at sign-in (they carry topics without levels or a capacity: the middle level and the
 * deployment's `capacity`, DISPATCH_TEXT_SESSIONS_PER_AGENT): routing goes on from Redis while
 * the system of record is down.
 */
export async function connectingProfile(directory: StaffDirectory, claims: StaffClaims, capacity: number): Promise<AgentProfile | undefined> {
  try {
    const member = await directory.find(claims.sub);
    return member?.active ? routingProfile(member) : undefined;
  } catch (error) {
    if (!(error instanceof Error) || !isDatabaseOutage(error)) throw error;
    const topics = (claims.topics ?? []).map((topic) => ({ topic, level: UNKNOWN_LEVEL }));
    return { id: claims.sub, name: claims.name, tier: tierOf(claims.role), languages: claims.languages ?? [], topics, capacity };
  }
}
