import { TIERS, type Catalog } from '@etax-assist/protocol';
import { dispatchKeys } from '../dispatcher/keys.js';
import { skillKey } from '../dispatcher/skills.js';
import type { RedisClient } from '../redis/client.js';
import { sessionKeys } from '../sessions/keys.js';

/** A topic or a language: what an open session names and a removal would orphan. */
export type SessionSkillPart = 'topics' | 'languages';
const FIELD = { topics: 'topic', languages: 'language' } as const satisfies Record<SessionSkillPart, string>;

/**
 * Which topics or languages open sessions use (Redis, live): queued for one (its exact queue,
 * every request's first) or being served in one. A used one may be deactivated, not removed:
 * its sessions would have no queue agents are indexed under.
 */
export class CatalogUsage {
  constructor(private readonly redis: RedisClient) {}

  async used(part: SessionSkillPart, ids: readonly string[], catalog: Catalog): Promise<string[]> {
    if (ids.length === 0) return [];
    const others = (part === 'topics' ? catalog.languages : catalog.topics).map(({ id }) => id);
    const queued = await Promise.all(
      ids.map(async (id) => {
        const keys = others.flatMap((other) => TIERS.map((tier) => (part === 'topics' ? skillKey(other, id, tier) : skillKey(id, other, tier))));
        const counts = await Promise.all(keys.map((key) => this.redis.zCard(dispatchKeys.queue(key))));
        return counts.some((n) => n > 0) ? [id] : [];
      }),
    );
    const served = await Promise.all((await this.redis.zRange(dispatchKeys.active, 0, -1)).map((session) => this.redis.hGet(sessionKeys.session(session), FIELD[part])));
    const used = new Set([...queued.flat(), ...served.filter((id): id is string => id !== undefined && id !== null && ids.includes(id))]);
    return ids.filter((id) => used.has(id));
  }
}
