import { ProtocolError, type CreateHallRequest, type Hall, type IssuedKioskCredential, type Kiosk, type RegisterKioskRequest, type UpdateHallRequest } from '@etax-assist/protocol';
import type { DatabasePool } from '../database/pool.js';
import { credentialMatches, credentialSha256, newKioskCredential } from './kiosk-credential.js';

interface HallRow {
  id: string;
  name_zh: string;
  name_en: string;
  address: string;
  region: string;
}

interface KioskRow {
  id: string;
  hall_id: string;
  location: string;
  active: boolean;
  created_at: Date;
  rotated_at: Date;
}

const HALL_COLUMNS = 'id, name_zh, name_en, address, region';
const KIOSK_COLUMNS = 'id, hall_id, location, active, created_at, rotated_at';

const hallOf = (row: HallRow): Hall => ({ id: row.id, nameZh: row.name_zh, nameEn: row.name_en, address: row.address, region: row.region });
const kioskOf = (row: KioskRow): Kiosk => ({
  id: row.id,
  hallId: row.hall_id,
  location: row.location,
  active: row.active,
  createdAt: row.created_at.toISOString(),
  rotatedAt: row.rotated_at.toISOString(),
});

/** The PostgreSQL error of a unique or foreign key violation, by its SQLSTATE. */
const sqlState = (error: unknown): string | undefined => (error as { code?: string } | undefined)?.code;

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

  async createHall(hall: CreateHallRequest): Promise<Hall> {
    try {
      const created = await this.database.query<HallRow>(`INSERT INTO halls (id, name_zh, name_en, address, region) VALUES ($1, $2, $3, $4, $5) RETURNING ${HALL_COLUMNS}`, [
        hall.id,
        hall.nameZh,
        hall.nameEn,
        hall.address,
        hall.region,
      ]);
      return hallOf(created.rows[0]!);
    } catch (error) {
      if (sqlState(error) === '23505') throw new ProtocolError('CONFLICT', `A hall with the id '${hall.id}' exists already`);
      throw error;
    }
  }

  async updateHall(id: string, change: UpdateHallRequest): Promise<Hall> {
    const updated = await this.database.query<HallRow>(
      `UPDATE halls SET name_zh = COALESCE($2, name_zh), name_en = COALESCE($3, name_en), address = COALESCE($4, address), region = COALESCE($5, region), updated_at = now()
       WHERE id = $1 RETURNING ${HALL_COLUMNS}`,
      [id, change.nameZh ?? null, change.nameEn ?? null, change.address ?? null, change.region ?? null],
    );
    const [row] = updated.rows;
    if (!row) throw new ProtocolError('NOT_FOUND', `No hall '${id}'`);
    return hallOf(row);
  }

  async kiosks(): Promise<Kiosk[]> {
    return (await this.database.query<KioskRow>(`SELECT ${KIOSK_COLUMNS} FROM kiosks ORDER BY hall_id, id`)).rows.map(kioskOf);
  }

  /** Registers a kiosk with a new credential (or the given one: the demo kiosk's, kept in DATA_DIR). */
  async register(kiosk: RegisterKioskRequest, credential = newKioskCredential()): Promise<IssuedKioskCredential> {
    try {
      const created = await this.database.query<KioskRow>(`INSERT INTO kiosks (id, hall_id, location, credential_sha256) VALUES ($1, $2, $3, $4) RETURNING ${KIOSK_COLUMNS}`, [
        kiosk.id,
        kiosk.hallId,
        kiosk.location,
        credentialSha256(credential),
      ]);
      return { kiosk: kioskOf(created.rows[0]!), credential };
    } catch (error) {
      if (sqlState(error) === '23505') throw new ProtocolError('CONFLICT', `A kiosk with the id '${kiosk.id}' exists already`);
      if (sqlState(error) === '23503') throw new ProtocolError('NOT_FOUND', `No hall '${kiosk.hallId}'`);
      throw error;
    }
  }

  /** A new credential for the kiosk, which is active again; the old credential and its device tokens stop working. */
  async rotate(id: string, credential = newKioskCredential()): Promise<IssuedKioskCredential> {
    const rotated = await this.database.query<KioskRow>(
      // clock_timestamp: two rotations in one transaction still make two generations
      `UPDATE kiosks SET credential_sha256 = $2, rotated_at = clock_timestamp(), active = true WHERE id = $1 RETURNING ${KIOSK_COLUMNS}`,
      [id, credentialSha256(credential)],
    );
    const [row] = rotated.rows;
    if (!row) throw new ProtocolError('NOT_FOUND', `No kiosk '${id}'`);
    return { kiosk: kioskOf(row), credential };
  }

  /** Takes the kiosk out of service: its credential and device tokens are refused until a rotation. */
  async disable(id: string): Promise<Kiosk> {
    const disabled = await this.database.query<KioskRow>(`UPDATE kiosks SET active = false WHERE id = $1 RETURNING ${KIOSK_COLUMNS}`, [id]);
    const [row] = disabled.rows;
    if (!row) throw new ProtocolError('NOT_FOUND', `No kiosk '${id}'`);
    return kioskOf(row);
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
