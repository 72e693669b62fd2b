import type { OfferKind } from '@etax-assist/protocol';

/** What a dispatcher command changed, reported by the Lua script so the caller can notify people. */
export type Effect =
  | { t: 'session'; session: string; state: string }
  | { t: 'offer'; offer: string; session: string; agent: string; kind: OfferKind; expiresAt: number }
  | { t: 'offer-closed'; offer: string; session: string; agent: string; reason: 'accepted' | 'declined' | 'timeout' | 'revoked' }
  | { t: 'agent'; agent: string; status: 'available' | 'away' | 'offline'; wrap: boolean; load: number }
  | { t: 'agent-auto-away'; agent: string; timeouts: number }
  | { t: 'agent-lost'; agent: string }
  | { t: 'participant'; session: string; agent: string; change: 'joined' | 'left' }
  | { t: 'taxpayer-gone'; session: string }
  /** `peer` (`role:sub`) is no longer among the session's participants: everything it had of the session must close. */
  | { t: 'access-ended'; session: string; peer: string };
