import type pg from 'pg';
import {
  ProtocolError,
  type CreateStaffMember,
  type StaffEvent,
  type StaffEventKind,
  type StaffEventList,
  type StaffEventsQuery,
  type StaffList,
  type StaffMember,
  type StaffProfile,
  type StaffQuery,
  type UpdateStaffMember,
} from '@etax-assist/protocol';
import type { DatabasePool } from '../database/pool.js';
import { inTransaction } from '../database/transaction.js';
import type { PublishedCatalog } from '../catalog/live-catalog.js';

const PROFILE_FIELDS = ['name', 'role', 'tier', 'languages', 'topics', 'capacity', 'halls'] as const satisfies readonly (keyof StaffProfile)[];

const MEMBER_COLUMNS = 'sub, name, role, tier, languages, topics, capacity, halls, active, created_at, created_by, updated_at, updated_by';

interface MemberRow {
  sub: string;
  name: string;
  role: StaffMember['role'];
  tier: StaffMember['tier'];
  languages: string[];
  topics: StaffMember['topics'];
  capacity: number;
  halls: string[];
  active: boolean;
  created_at: Date;
  created_by: string;
  updated_at: Date;
  updated_by: string;
}

interface EventRow {
  id: string;
  sub: string;
  kind: StaffEventKind;
  by: string;
  at: Date;
  changes: StaffEvent['changes'];
}

function memberOf(row: MemberRow): StaffMember {
  return {
    sub: row.sub,
    name: row.name,
    role: row.role,
    tier: row.tier,
    languages: row.languages,
    topics: row.topics,
    capacity: row.capacity,
    halls: row.halls,
    active: row.active,
    createdAt: row.created_at.toISOString(),
    createdBy: row.created_by,
    updatedAt: row.updated_at.toISOString(),
    updatedBy: row.updated_by,
  };
}

function eventOf(row: EventRow): StaffEvent {
  return { id: row.id, sub: row.sub, kind: row.kind, by: row.by, at: row.at.toISOString(), changes: row.changes };
}

/** A page's `next`: the last key of the page, opaque to the client. */
const encodeKey = (key: string): string => Buffer.from(key, 'utf8').toString('base64url');
function decodeKey(cursor: string): string {
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  if (key.length === 0 || encodeKey(key) !== cursor) throw new ProtocolError('VALIDATION_FAILED', 'Invalid cursor: pass back the `next` of a page');
  return key;
}

/** `%` and `_` in a search are themselves, not LIKE's wildcards. */
const likePattern = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The fields of `after` that differ from `before`, each with both values. */
function changesBetween(before: Partial<StaffProfile>, after: Partial<StaffProfile>): StaffEvent['changes'] {
  const changes: StaffEvent['changes'] = {};
  for (const field of PROFILE_FIELDS) {
    if (!(field in after)) continue;
    if (JSON.stringify(before[field]) !== JSON.stringify(after[field])) changes[field] = { before: before[field] ?? null, after: after[field] };
  }
  return changes;
}

async function recordEvent(client: pg.PoolClient, sub: string, kind: StaffEventKind, by: string, changes: StaffEvent['changes']): Promise<void> {
  await client.query('INSERT INTO staff_events (sub, kind, by, changes) VALUES ($1, $2, $3, $4)', [sub, kind, by, JSON.stringify(changes)]);
}

/** Creates a member with its `created` history row; undefined when the sub exists already. */
async function insertMember(client: pg.PoolClient, m: CreateStaffMember, by: string): Promise<MemberRow | undefined> {
  const { rows } = await client.query<MemberRow>(
    `INSERT INTO staff (sub, name, role, tier, languages, topics, capacity, halls, created_by, updated_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) ON CONFLICT (sub) DO NOTHING RETURNING ${MEMBER_COLUMNS}`,
    [m.sub, m.name, m.role, m.tier, m.languages, JSON.stringify(m.topics), m.capacity, m.halls, by],
  );
  if (rows[0]) await recordEvent(client, m.sub, 'created', by, changesBetween({}, m));
  return rows[0];
}

/**
 * The staff directory in PostgreSQL (server/migrations/…_staff.sql): members keyed by the
 * identity provider's subject, each change written with its history row in one transaction.
 */
export class StaffDirectory {
  constructor(
    private readonly database: DatabasePool,
    private readonly catalog: PublishedCatalog,
    private readonly pageMax: number,
  ) {}

  /** The member, or undefined when the directory has no one of that sub. */
  async find(sub: string): Promise<StaffMember | undefined> {
    const { rows } = await this.database.query<MemberRow>(`SELECT ${MEMBER_COLUMNS} FROM staff WHERE sub = $1`, [sub]);
    return rows[0] && memberOf(rows[0]);
  }

  async get(sub: string): Promise<StaffMember> {
    const member = await this.find(sub);
    if (!member) throw new ProtocolError('NOT_FOUND', `No staff member "${sub}"`);
    return member;
  }

  /** The subs of disabled members (their tokens are refused: DisabledStaff). */
  async disabled(): Promise<string[]> {
    const { rows } = await this.database.query<{ sub: string }>('SELECT sub FROM staff WHERE NOT active');
    return rows.map((r) => r.sub);
  }

  async list(query: StaffQuery): Promise<StaffList> {
    const limit = Math.min(query.limit ?? this.pageMax, this.pageMax);
    const where: string[] = [];
    const values: unknown[] = [];
    const param = (value: unknown): string => `$${values.push(value)}`;
    if (query.q !== undefined) {
      const pattern = param(likePattern(query.q));
      where.push(`(name ILIKE ${pattern} OR sub ILIKE ${pattern})`);
    }
    if (query.role !== undefined) where.push(`role = ${param(query.role)}`);
    if (query.topic !== undefined) where.push(`topics @> ${param(JSON.stringify([{ topic: query.topic }]))}::jsonb`);
    if (query.active !== undefined) where.push(`active = ${param(query.active)}`);
    if (query.cursor !== undefined) where.push(`sub > ${param(decodeKey(query.cursor))}`);
    const { rows } = await this.database.query<MemberRow>(
      `SELECT ${MEMBER_COLUMNS} FROM staff ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY sub LIMIT ${param(limit + 1)}`,
      values,
    );
    const members = rows.slice(0, limit).map(memberOf);
    const last = members[members.length - 1];
    return rows.length > limit && last ? { members, next: encodeKey(last.sub) } : { members };
  }

  async create(input: CreateStaffMember, by: string): Promise<StaffMember> {
    this.#checkSkills(input);
    return inTransaction(this.database, async (client) => {
      const row = await insertMember(client, input, by);
      if (!row) throw new ProtocolError('CONFLICT', `A staff member "${input.sub}" exists already`);
      return memberOf(row);
    });
  }

  /** Changes the fields given; the member as it is now and what changed (nothing changed: no history row). */
  async update(sub: string, patch: UpdateStaffMember, by: string): Promise<{ member: StaffMember; changes: StaffEvent['changes'] }> {
    this.#checkSkills(patch);
    return inTransaction(this.database, async (client) => {
      const before = await this.#locked(client, sub);
      const changes = changesBetween(before, patch);
      if (Object.keys(changes).length === 0) return { member: before, changes };
      const after = { ...before, ...patch };
      const { rows } = await client.query<MemberRow>(
        `UPDATE staff SET name = $2, role = $3, tier = $4, languages = $5, topics = $6, capacity = $7, halls = $8, updated_by = $9, updated_at = now()
         WHERE sub = $1 RETURNING ${MEMBER_COLUMNS}`,
        [sub, after.name, after.role, after.tier, after.languages, JSON.stringify(after.topics), after.capacity, after.halls, by],
      );
      await recordEvent(client, sub, 'updated', by, changes);
      return { member: memberOf(rows[0] as MemberRow), changes };
    });
  }

  /** Disables or enables a member; the member as it is now and whether this changed it. */
  async setActive(sub: string, active: boolean, by: string): Promise<{ member: StaffMember; changed: boolean }> {
    return inTransaction(this.database, async (client) => {
      const before = await this.#locked(client, sub);
      if (before.active === active) return { member: before, changed: false };
      const { rows } = await client.query<MemberRow>(`UPDATE staff SET active = $2, updated_by = $3, updated_at = now() WHERE sub = $1 RETURNING ${MEMBER_COLUMNS}`, [
        sub,
        active,
        by,
      ]);
      await recordEvent(client, sub, active ? 'enabled' : 'disabled', by, { active: { before: !active, after: active } });
      return { member: memberOf(rows[0] as MemberRow), changed: true };
    });
  }

  /** A member's history, newest first. */
  async events(sub: string, query: StaffEventsQuery): Promise<StaffEventList> {
    await this.get(sub);
    const limit = Math.min(query.limit ?? this.pageMax, this.pageMax);
    const before = query.cursor === undefined ? undefined : decodeKey(query.cursor);
    if (before !== undefined && !/^[1-9]\d{0,18}$/.test(before)) throw new ProtocolError('VALIDATION_FAILED', 'Invalid cursor: pass back the `next` of a page');
    const { rows } = await this.database.query<EventRow>(
      `SELECT id::text AS id, sub, kind, by, at, changes FROM staff_events WHERE sub = $1 ${before === undefined ? '' : 'AND id < $3'} ORDER BY id DESC LIMIT $2`,
      before === undefined ? [sub, limit + 1] : [sub, limit + 1, before],
    );
    const events = rows.slice(0, limit).map(eventOf);
    const last = events[events.length - 1];
    return rows.length > limit && last ? { events, next: encodeKey(last.id) } : { events };
  }

  /**
   * Members that are not in the directory yet, created as `by` (the development accounts on
   * every start: one that exists, maybe edited or disabled since, is left as it is).
   */
  async seed(members: readonly CreateStaffMember[], by: string): Promise<number> {
    return inTransaction(this.database, async (client) => {
      let created = 0;
      for (const m of members) {
        if (await insertMember(client, m, by)) created++;
      }
      return created;
    });
  }

  async #locked(client: pg.PoolClient, sub: string): Promise<StaffMember> {
    const { rows } = await client.query<MemberRow>(`SELECT ${MEMBER_COLUMNS} FROM staff WHERE sub = $1 FOR UPDATE`, [sub]);
    if (!rows[0]) throw new ProtocolError('NOT_FOUND', `No staff member "${sub}"`);
    return memberOf(rows[0]);
  }

  /** Languages and topics are the published catalog's, each topic once. */
  #checkSkills(profile: Partial<StaffProfile>): void {
    const catalog = this.catalog.current;
    const languages = catalog.languages.map((l) => l.id);
    const topics = catalog.topics.map((t) => t.id);
    for (const language of profile.languages ?? []) {
      if (!languages.includes(language)) throw new ProtocolError('VALIDATION_FAILED', `Unsupported language "${language}"`, { languages });
    }
    const seen = new Set<string>();
    for (const { topic } of profile.topics ?? []) {
      if (!topics.includes(topic)) throw new ProtocolError('VALIDATION_FAILED', `Unknown topic "${topic}"`, { topics });
      if (seen.has(topic)) throw new ProtocolError('VALIDATION_FAILED', `Topic "${topic}" is listed twice`);
      seen.add(topic);
    }
  }
}
