import pg from 'pg';
import { createClient } from 'redis';
import { recordKeys } from '@etax-assist/server';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the records outbox is empty: every record change is in PostgreSQL. */
export async function outboxDrained(redisUrl: string, timeoutMs = 15_000): Promise<void> {
  const redis = createClient({ url: redisUrl });
  await redis.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    while ((await redis.xLen(recordKeys.outbox)) > 0) {
      if (Date.now() > deadline) throw new Error(`the outbox still holds ${await redis.xLen(recordKeys.outbox)} entries`);
      await sleep(50);
    }
  } finally {
    await redis.close();
  }
}

/** One query against the test database. */
export async function query<R extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}
