import pg from 'pg';
import type { Logger } from 'pino';

export type DatabasePool = pg.Pool;

export interface DatabasePoolOptions {
  url: string;
  max: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  /** Shown in pg_stat_activity, so an operator sees which instance holds a connection. */
  applicationName: string;
}

/**
 * A pool of connections to the system of record, checked once at start (a wrong URL or password
 * stops the start-up). A connection that breaks while idle is logged and replaced, never thrown:
 * pg would otherwise end the process on the pool's unhandled 'error' event.
 */
export async function connectDatabase(options: DatabasePoolOptions, log: Logger): Promise<DatabasePool> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max,
    connectionTimeoutMillis: options.connectTimeoutMs,
    statement_timeout: options.statementTimeoutMs,
    application_name: options.applicationName,
  });
  let lastError = '';
  pool.on('error', (error) => {
    // One line per distinct failure, not one per broken idle connection.
    if (error.message !== lastError) log.error({ err: error }, 'database connection error');
    lastError = error.message;
  });
  pool.on('connect', () => {
    if (lastError) log.info('database connection restored');
    lastError = '';
  });
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await closeDatabase(pool);
    throw new Error(`cannot reach the database: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return pool;
}

/**
 * Ends the pool once every connection has said goodbye to the server: pg's own `end()` resolves
 * while its connections are still closing, and a database stopped right after (the embedded one
 * is stopped next) would cut them with "terminating connection due to administrator command".
 */
export async function closeDatabase(pool: DatabasePool, timeoutMs = 5_000): Promise<void> {
  let open = pool.totalCount;
  const closed = new Promise<void>((resolve) => {
    if (open === 0) return resolve();
    const timer = setTimeout(resolve, timeoutMs);
    pool.on('remove', () => {
      if (--open > 0) return;
      clearTimeout(timer);
      resolve();
    });
  });
  await pool.end();
  await closed;
}
