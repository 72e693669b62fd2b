import { Counter, Gauge, type Registry } from 'prom-client';
import type { RedisClient } from '../redis/client.js';
import { recordKeys } from './keys.js';

/** The archiver's Prometheus metrics: the outbox's backlog and age, what was archived, what failed. */
export class ArchiverMetrics {
  readonly archived: Counter<'kind'>;
  readonly failures: Counter<'stage'>;
  readonly deadLetters: Counter;

  constructor(registry: Registry, redis: RedisClient) {
    const registers = [registry];
    this.archived = new Counter({
      name: 'etax_archived_records_total',
      help: 'Outbox entries written to PostgreSQL by this instance, by kind (event, chat, agent: agent activity)',
      labelNames: ['kind'],
      registers,
    });
    this.failures = new Counter({
      name: 'etax_archive_failures_total',
      help: 'Archiver rounds that failed, by stage (read from Redis, write to PostgreSQL, acknowledge)',
      labelNames: ['stage'],
      registers,
    });
    this.deadLetters = new Counter({ name: 'etax_archive_dead_letters_total', help: 'Outbox entries that failed validation, set aside in the dead-letter stream', registers });
    // acknowledged entries are deleted from the outbox: what is left is what PostgreSQL lacks
    new Gauge({
      name: 'etax_outbox_length',
      help: 'Record changes in the outbox not archived yet (the deployment, not only this instance)',
      registers,
      async collect() {
        this.set(await redis.xLen(recordKeys.outbox));
      },
    });
    new Gauge({
      name: 'etax_outbox_lag_seconds',
      help: 'Age of the oldest record change not archived yet (0: the outbox is empty)',
      registers,
      async collect() {
        const [oldest] = await redis.xRange(recordKeys.outbox, '-', '+', { COUNT: 1 });
        this.set(oldest ? Math.max(0, Date.now() - Number(oldest.id.split('-')[0])) / 1000 : 0);
      },
    });
  }
}
