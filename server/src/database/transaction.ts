import type pg from 'pg';
import type { DatabasePool } from './pool.js';

/**
 * Runs `work` in one transaction on a connection of its own: committed when it returns, rolled
 * back when it throws. A connection whose state is unknown after a failure (a broken one cannot
 * even roll back) is discarded rather than handed to the next user.
 */
export async function inTransaction<T>(database: DatabasePool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await database.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    client.release();
    return result;
  } catch (error) {
    const rolledBack = await client.query('ROLLBACK').then(
      () => true,
      () => false,
    );
    client.release(!rolledBack);
    throw error;
  }
}
