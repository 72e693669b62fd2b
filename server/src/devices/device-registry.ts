import type pg from 'pg';
import {
  ProtocolError,
  type CreateHallRequest,
  type DeviceEvent,
  type DeviceEventKind,
  type Hall,
  type HallInUse,
  type IssuedKioskCredential,
  type Kiosk,
  type RegisterKioskRequest,
  type UpdateHallRequest,
  type UpdateKioskRequest,
} from '@etax-assist/protocol';
import type { DatabasePool } from '../database/pool.js';
import { inTransaction } from '../database/transaction.js';
import { credentialMatches, credentialSha256, newKioskCredential } from './kiosk-credential.js';

interface HallRow {
  id: string;
  name_zh: string;
  name_en: string;
  address: string;
  region: string;
  active: boolean;
}

interface KioskRow {
  id: string;
  hall_id: string;
  location: string;
  active: boolean;
  created_at: Date;
  rotated_at: Date;
}

interface EventRow {
  id: string;
  kind: DeviceEventKind;
  device: string;
  by: string;
  at: Date;
  changes: DeviceEvent['changes'];
}

const HALL_COLUMNS = 'id, name_zh, name_en, address, region, active';
const KIOSK_COLUMNS = 'id, hall_id, location, active, created_at, rotated_at';

const hallOf = (row: HallRow): Hall => ({ id: row.id, nameZh: row.name_zh, nameEn: row.name_en, address: row.address, region: row.region, active: row.active });
const kioskOf = (row: KioskRow): Kiosk => ({
  id: row.id,
  hallId: row.hall_id,
  location: row.location,
  active: row.active,
  createdAt: row.created_at.toISOString(),
  rotatedAt: row.rotated_at.toISOString(),
});

/** Each field of `after` that differs from `before`, with both values (a creation: `before` empty). */
function changesBetween<T extends object>(before: Partial<T>, after: T): DeviceEvent['changes'] {
  const changes: DeviceEvent['changes'] = {};
  for (const [field, value] of Object.entries(after) as [keyof T & string, unknown][]) {
    if (before[field] !== value) changes[field] = { before: before[field] ?? null, after: value };
  }
  return changes;
}

/** The PostgreSQL error of a unique or foreign key violation, by its SQLSTATE. */
const sqlState = (error: unknown): string | undefined => (error as { code?: string } | undefined)?.code;

async function recordEvent(client: pg.PoolClient, kind: DeviceEventKind, device: string, by: string, changes: DeviceEvent['changes']): Promise<void> {
  await client.query('INSERT INTO device_events (kind, device, by, changes) VALUES ($1, $2, $3, $4)', [kind, device, by, JSON.stringify(changes)]);
}

/** The hall, locked for the rest of the transaction; NOT_FOUND when there is none. */
async function lockedHall(client: pg.PoolClient, id: string): Promise<Hall> {
  const found = await client.query<HallRow>(`SELECT ${HALL_COLUMNS} FROM halls WHERE id = $1 FOR UPDATE`, [id]);
  if (!found.rows[0]) throw new ProtocolError('NOT_FOUND', `No hall '${id}'`);
  return hallOf(found.rows[0]);
}

/** The kiosk, locked for the rest of the transaction; NOT_FOUND when there is none. */
async function lockedKiosk(client: pg.PoolClient, id: string): Promise<Kiosk> {
  const found = await client.query<KioskRow>(`SELECT ${KIOSK_COLUMNS} FROM kiosks WHERE id = $1 FOR UPDATE`, [id]);
  if (!found.rows[0]) throw new ProtocolError('NOT_FOUND', `No kiosk '${id}'`);
  return kioskOf(found.rows[0]);
}

/** Checks that a kiosk may stand in the hall: it exists (NOT_FOUND) and is in service (CONFLICT). Locked, so it is not deactivated meanwhile. */
async function activeHall(client: pg.PoolClient, id: string): Promise<void> {
  const hall = await lockedHall(client, id);
  if (!hall.active) throw new ProtocolError('CONFLICT', `Hall '${id}' is out of service: no kiosk can be placed in it`);
}

/** A kiosk in service as its device token names it: the kiosk, and the hall it stands in. */
export interface KioskInService {
  kiosk: Kiosk;
  hall: Hall;
}

/**
 * The halls and kiosks (server/migrations/0004_devices.sql). A kiosk's credential is given out
 * once, at registration or rotation; the registry keeps its hash, and a rotation or a disabling
 * ends every device token issued before it (`rotatedAt` is the token's generation).
 */
export class DeviceRegistry {
  constructor(private readonly database: DatabasePool) {}

  async halls(): Promise<Hall[]> {
    return (await this.database.query<HallRow>(`SELECT ${HALL_COLUMNS} FROM halls ORDER BY id`)).rows.map(hallOf);
  }

  async createHall(hall: CreateHallRequest, by: string): Promise<Hall> {
    try {
      return await inTransaction(this.database, async (client) => {
        const created = await client.query<HallRow>(`INSERT INTO halls (id, name_zh, name_en, address, region) VALUES ($1, $2, $3, $4, $5) RETURNING ${HALL_COLUMNS}`, [
          hall.id,
          hall.nameZh,
          hall.nameEn,
          hall.address,
          hall.region,
        ]);
        const row = hallOf(created.rows[0]!);
        // the id is the event's device: not a change of it
        const { id, ...fields } = row;
        await recordEvent(client, 'hall-created', id, by, changesBetween({}, fields));
        return row;
      });
    } catch (error) {
      if (sqlState(error) === '23505') throw new ProtocolError('CONFLICT', `A hall with the id '${hall.id}' exists already`);
      throw error;
    }
  }

  /** Changes the fields given; deactivating a hall where active kiosks stand is refused (HALL_IN_USE). */
  async updateHall(id: string, change: UpdateHallRequest, by: string): Promise<Hall> {
    return inTransaction(this.database, async (client) => {
      const before = await lockedHall(client, id);
      if (change.active === false && before.active) {
        const standing = await client.query<{ id: string }>('SELECT id FROM kiosks WHERE hall_id = $1 AND active ORDER BY id', [id]);
        const activeKiosks = standing.rows.map((row) => row.id);
        if (activeKiosks.length > 0) {
          throw new ProtocolError('HALL_IN_USE', `Hall '${id}' still has active kiosks (${activeKiosks.join(', ')}): disable them or move them to another hall first`, {
            activeKiosks,
          } satisfies HallInUse);
        }
      }
      const updated = await client.query<HallRow>(
        `UPDATE halls SET name_zh = COALESCE($2, name_zh), name_en = COALESCE($3, name_en), address = COALESCE($4, address), region = COALESCE($5, region),
           active = COALESCE($6, active), updated_at = now()
         WHERE id = $1 RETURNING ${HALL_COLUMNS}`,
        [id, change.nameZh ?? null, change.nameEn ?? null, change.address ?? null, change.region ?? null, change.active ?? null],
      );
      const after = hallOf(updated.rows[0]!);
      const changes = changesBetween(before, after);
      if (Object.keys(changes).length > 0) await recordEvent(client, 'hall-updated', id, by, changes);
      return after;
    });
  }

  async kiosks(): Promise<Kiosk[]> {
    return (await this.database.query<KioskRow>(`SELECT ${KIOSK_COLUMNS} FROM kiosks ORDER BY hall_id, id`)).rows.map(kioskOf);
  }

  /** Registers a kiosk in an active hall with a new credential (or the given one: the demo kiosk's, kept in DATA_DIR). */
  async register(kiosk: RegisterKioskRequest, by: string, credential = newKioskCredential()): Promise<IssuedKioskCredential> {
    try {
      return await inTransaction(this.database, async (client) => {
        await activeHall(client, kiosk.hallId);
        const created = await client.query<KioskRow>(`INSERT INTO kiosks (id, hall_id, location, credential_sha256) VALUES ($1, $2, $3, $4) RETURNING ${KIOSK_COLUMNS}`, [
          kiosk.id,
          kiosk.hallId,
          kiosk.location,
          credentialSha256(credential),
        ]);
        const row = kioskOf(created.rows[0]!);
        await recordEvent(client, 'kiosk-registered', row.id, by, changesBetween({}, { hallId: row.hallId, location: row.location }));
        return { kiosk: row, credential };
      });
    } catch (error) {
      if (sqlState(error) === '23505') throw new ProtocolError('CONFLICT', `A kiosk with the id '${kiosk.id}' exists already`);
      throw error;
    }
  }

  /** Moves a kiosk to another active hall or place in it: its next requests name the new hall, its credential stays. */
  async updateKiosk(id: string, change: UpdateKioskRequest, by: string): Promise<Kiosk> {
    return inTransaction(this.database, async (client) => {
      const before = await lockedKiosk(client, id);
      if (change.hallId !== undefined && change.hallId !== before.hallId) await activeHall(client, change.hallId);
      const updated = await client.query<KioskRow>(
        `UPDATE kiosks SET hall_id = COALESCE($2, hall_id), location = COALESCE($3, location) WHERE id = $1 RETURNING ${KIOSK_COLUMNS}`,
        [id, change.hallId ?? null, change.location ?? null],
      );
      const after = kioskOf(updated.rows[0]!);
      const changes = changesBetween({ hallId: before.hallId, location: before.location }, { hallId: after.hallId, location: after.location });
      if (Object.keys(changes).length > 0) await recordEvent(client, 'kiosk-updated', id, by, changes);
      return after;
    });
  }

  /** A new credential for the kiosk, which is active again; the old credential and its device tokens stop working. */
  async rotate(id: string, by: string, credential = newKioskCredential()): Promise<IssuedKioskCredential> {
    return inTransaction(this.database, async (client) => {
      const before = await lockedKiosk(client, id);
      const rotated = await client.query<KioskRow>(
        // clock_timestamp: two rotations in one transaction still make two generations
        `UPDATE kiosks SET credential_sha256 = $2, rotated_at = clock_timestamp(), active = true WHERE id = $1 RETURNING ${KIOSK_COLUMNS}`,
        [id, credentialSha256(credential)],
      );
      const after = kioskOf(rotated.rows[0]!);
      // the credential is never written down: only that a new one was issued (and a re-activation)
      await recordEvent(client, 'kiosk-rotated', id, by, changesBetween({ active: before.active }, { active: after.active }));
      return { kiosk: after, credential };
    });
  }

  /** Takes the kiosk out of service: its credential and device tokens are refused until a rotation. */
  async disable(id: string, by: string): Promise<Kiosk> {
    return inTransaction(this.database, async (client) => {
      const before = await lockedKiosk(client, id);
      const disabled = await client.query<KioskRow>(`UPDATE kiosks SET active = false WHERE id = $1 RETURNING ${KIOSK_COLUMNS}`, [id]);
      if (before.active) await recordEvent(client, 'kiosk-disabled', id, by, changesBetween({ active: true }, { active: false }));
      return kioskOf(disabled.rows[0]!);
    });
  }

  /** The devices' audit trail, newest first: of one hall or kiosk, or of all. */
  async events(limit: number, device?: string): Promise<DeviceEvent[]> {
    const found = await this.database.query<EventRow>(
      `SELECT id::text AS id, kind, device, by, at, changes FROM device_events WHERE $2::text IS NULL OR device = $2 ORDER BY id DESC LIMIT $1`,
      [limit, device ?? null],
    );
    return found.rows.map((row) => ({ ...row, at: row.at.toISOString() }));
  }

  /** The active kiosk whose credential this is; undefined for anything else (unknown, disabled, wrong or old credential). */
  async authenticate(id: string, credential: string): Promise<Kiosk | undefined> {
    const found = await this.database.query<KioskRow & { credential_sha256: string }>(`SELECT ${KIOSK_COLUMNS}, credential_sha256 FROM kiosks WHERE id = $1`, [id]);
    const [row] = found.rows;
    return row?.active && credentialMatches(credential, row.credential_sha256) ? kioskOf(row) : undefined;
  }

  /** The kiosk a device token names, if it is still active under the same credential generation. */
  async inService(id: string, generation: string): Promise<KioskInService | undefined> {
    const found = await this.database.query<KioskRow & { hall: HallRow }>(
      `SELECT k.id, k.hall_id, k.location, k.active, k.created_at, k.rotated_at, row_to_json(h) AS hall FROM kiosks k JOIN halls h ON h.id = k.hall_id WHERE k.id = $1`,
      [id],
    );
    const [row] = found.rows;
    if (!row?.active || row.rotated_at.toISOString() !== generation) return undefined;
    return { kiosk: kioskOf(row), hall: hallOf(row.hall) };
  }
}
