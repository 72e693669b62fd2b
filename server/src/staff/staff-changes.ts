import type { Logger } from 'pino';
import type { StaffEvent, StaffMember } from '@etax-assist/protocol';
import type { Dispatcher } from '../dispatcher/dispatcher.js';
import { dispatchKeys } from '../dispatcher/keys.js';
import type { AppServer } from '../realtime/socket-server.js';
import type { RedisClient } from '../redis/client.js';
import type { DisabledStaff } from './disabled-staff.js';
import { isRoutedRole, routingProfile } from './routing-profile.js';

/** Fields of a member the dispatcher's agent record holds. */
const ROUTING_FIELDS = ['name', 'tier', 'languages', 'topics'] as const;

/**
 * What a change in the staff directory does at once, on every instance: changed skills re-index
 * the agent in the dispatcher (no re-sign-in); a disabled member's tokens are refused, an agent's
 * sessions go back to the head of the queue, and their sockets are closed wherever they are.
 */
export class StaffChanges {
  constructor(
    private readonly io: AppServer,
    private readonly redis: RedisClient,
    private readonly dispatcher: Dispatcher,
    private readonly disabledStaff: DisabledStaff,
    private readonly log: Logger,
  ) {
    io.on('staff:disabled', ({ sub }) => this.#closeSockets(sub));
  }

  async updated(member: StaffMember, changes: StaffEvent['changes']): Promise<void> {
    if (!member.active || !isRoutedRole(member.role) || !ROUTING_FIELDS.some((f) => f in changes)) return;
    // one not known to the dispatcher yet is registered from the directory when it connects
    if ((await this.redis.exists(dispatchKeys.agent(member.sub))) === 0) return;
    await this.dispatcher.register(routingProfile(member));
    this.log.info({ sub: member.sub, changed: Object.keys(changes) }, 'staff skills applied to routing');
  }

  async activeChanged(member: StaffMember, by: string): Promise<void> {
    await this.disabledStaff.set(member.sub, !member.active);
    if (member.active) return;
    if (isRoutedRole(member.role) && (await this.redis.exists(dispatchKeys.agent(member.sub))) === 1) {
      // forced offline: the sessions the agent serves go back to the head of the queue
      await this.dispatcher.setStatus(member.sub, 'offline', by);
    }
    this.#closeSockets(member.sub);
    this.io.serverSideEmit('staff:disabled', { sub: member.sub });
    this.log.info({ sub: member.sub, by }, 'staff member disabled: signed off and disconnected');
  }

  #closeSockets(sub: string): void {
    for (const socket of this.io.of('/').sockets.values()) {
      const { principal } = socket.data;
      if (principal.role === 'taxpayer' || principal.sub !== sub) continue;
      // read by the media hook on disconnect: no grace period for a disabled member's call
      socket.data.signedOut = true;
      socket.emit('auth:ended', { code: 'ACCOUNT_DISABLED', message: 'Your account was disabled by an administrator' });
      socket.disconnect(true);
    }
  }
}
