import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { DatabasePool } from './pool.js';

/** The schema's versioned SQL files: server/migrations/NNNN_name.sql (from server/dist/database). */
export const MIGRATIONS_DIR = resolve(import.meta.dirname, '../../migrations');

/** Held while migrating, so that instances starting together apply each migration once. */
const MIGRATION_LOCK = "hashtext('etax-assist schema migrations')";
const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

/** The schema cannot be brought to this version of the service: the start-up stops. */
export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

/** The directory's migrations in order; numbered 0001, 0002, … without gaps or strays. */
export function readMigrations(dir: string): Migration[] {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.sql'))
    .sort();
  return files.map((file, index) => {
    const match = FILE_NAME.exec(file);
    if (!match) throw new MigrationError(`${join(dir, file)}: a migration is named NNNN_name.sql (lower case, digits, underscores)`);
    const version = Number(match[1]);
    if (version !== index + 1) throw new MigrationError(`${join(dir, file)}: expected migration number ${String(index + 1).padStart(4, '0')} (no gaps, no duplicates)`);
    const sql = readFileSync(join(dir, file), 'utf8');
    return { version, name: match[2]!, sql, checksum: createHash('sha256').update(sql).digest('hex') };
  });
}

/**
 * Brings the schema forward to the directory's last migration, each one in its own transaction
 * and recorded in schema_migrations with its checksum. Forward-only: an applied migration whose
 * file changed or is missing (an older service on a newer schema) refuses the start.
 * Returns the versions applied now.
 */
export async function migrate(pool: DatabasePool, dir: string, log: Logger): Promise<number[]> {
  const migrations = readMigrations(dir);
  const client = await pool.connect();
  try {
    await client.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK})`);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: number; name: string; checksum: string }>('SELECT version, name, checksum FROM schema_migrations ORDER BY version');
    for (const applied of rows) {
      const migration = migrations[applied.version - 1];
      if (!migration) {
        throw new MigrationError(
          `the database is at schema version ${rows.length}, newer than this service knows (${migrations.length}): migrations are forward-only, start a newer service`,
        );
      }
      if (migration.checksum !== applied.checksum) {
        throw new MigrationError(
          `migration ${String(applied.version).padStart(4, '0')}_${applied.name}.sql was changed after it was applied: restore it and add a new migration instead`,
        );
      }
    }
    const applied: number[] = [];
    for (const migration of migrations.slice(rows.length)) {
      const started = Date.now();
      await client.query('BEGIN');
      try {
        // a migration rewrites whole tables: the pool's statement timeout is for requests
        await client.query('SET LOCAL statement_timeout = 0');
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [migration.version, migration.name, migration.checksum]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        const reason = error instanceof Error ? error.message : String(error);
        throw new MigrationError(`migration ${String(migration.version).padStart(4, '0')}_${migration.name}.sql failed: ${reason}`);
      }
      log.info({ version: migration.version, name: migration.name, ms: Date.now() - started }, 'schema migration applied');
      applied.push(migration.version);
    }
    return applied;
  } finally {
    // a connection that cannot unlock is dropped, and its lock with it
    const unlocked = await client.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`).then(
      () => true,
      () => false,
    );
    client.release(!unlocked);
  }
}
