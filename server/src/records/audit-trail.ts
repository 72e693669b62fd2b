import { ProtocolError, type AccessEventKind, type OutboxActor, type OutboxSessionEvent, type Principal } from '@etax-assist/protocol';
import type { RedisClient } from '../redis/client.js';
import { asUnavailable } from '../redis/unavailable.js';
import { recordKeys } from './keys.js';

/** A person as the audit trail names them: their role and id as their token says. */
export const actorOf = (who: Pick<Principal, 'role' | 'sub'>): OutboxActor => ({ role: who.role, id: who.sub });

/**
 * What people look at of a session (its card, its shared screen, its recording, its files), into
 * the records outbox before what they asked for is returned: nothing a person sees of a taxpayer
 * goes unrecorded, so a look that cannot be recorded is refused (fail closed).
 */
export class AuditTrail {
  constructor(private readonly redis: RedisClient) {}

  /** Records that `who` looks at the session; UNAVAILABLE (and nothing may be shown) when it cannot be recorded. */
  async record(sessionId: string, who: Pick<Principal, 'role' | 'sub'>, kind: AccessEventKind, details: Record<string, string> = {}): Promise<void> {
    const entry: OutboxSessionEvent = { t: 'event', session: sessionId, at: Date.now(), kind, actor: actorOf(who), details };
    try {
      await this.redis.xAdd(recordKeys.outbox, '*', { entry: JSON.stringify(entry) });
    } catch (error) {
      const refusal = asUnavailable(error);
      throw refusal instanceof ProtocolError
        ? refusal
        : new ProtocolError('UNAVAILABLE', 'What you asked for cannot be recorded in the audit trail right now, so it is not shown; try again shortly');
    }
  }
}
