import type { InstanceRegistry } from '../cluster/instance-registry.js';
import type { RedisClient } from '../redis/client.js';

const ownerKey = (sessionId: string) => `media:owner:${sessionId}`;
const heldKey = (instance: string) => `media:held:${instance}`;

/** Deletes the owner record only if it still names the given instance (no lost update). */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
redis.call('SREM', KEYS[2], ARGV[2])
return 1`;

/**
 * Which instance holds each session's media room: the first join places it on the least-loaded
 * live instance that is not draining; the room stays there until it closes; a room whose
 * instance died is placed again (its clients are told to rejoin).
 */
export class RoomPlacement {
  constructor(
    private readonly redis: RedisClient,
    private readonly registry: InstanceRegistry,
  ) {}

  get self(): string {
    return this.registry.id;
  }

  /** The live instance holding the session's room, if any. */
  async ownerOf(sessionId: string): Promise<string | undefined> {
    const owner = await this.redis.get(ownerKey(sessionId));
    if (!owner) return undefined;
    if (owner === this.self || (await this.registry.isLive(owner))) return owner;
    await this.release(sessionId, owner);
    return undefined;
  }

  /** The holder of the session's room, placing it first when it has none. */
  async place(sessionId: string): Promise<string> {
    const current = await this.ownerOf(sessionId);
    if (current) return current;
    const chosen = (await this.registry.pickForNewRoom()) ?? this.self;
    const set = await this.redis.set(ownerKey(sessionId), chosen, { NX: true });
    // another instance placed it at the same moment: theirs stands
    const owner = set === 'OK' ? chosen : ((await this.redis.get(ownerKey(sessionId))) ?? chosen);
    if (set === 'OK') await this.redis.sAdd(heldKey(chosen), sessionId);
    return owner;
  }

  async release(sessionId: string, instance = this.self): Promise<void> {
    await this.redis.eval(RELEASE, { keys: [ownerKey(sessionId), heldKey(instance)], arguments: [instance, sessionId] });
  }

  /** The sessions a lost instance held, released so their next join places them again. */
  async takeOver(lost: string): Promise<string[]> {
    const sessions = await this.redis.sMembers(heldKey(lost));
    for (const sessionId of sessions) await this.release(sessionId, lost);
    await this.redis.del(heldKey(lost));
    return sessions;
  }
}
