import { Counter, Gauge, type Registry } from 'prom-client';

/** The retention job's Prometheus metrics: what it deleted, the partitions it dropped, when it last ran. */
export class RetentionMetrics {
  readonly deletedRows: Counter<'table'>;
  readonly droppedPartitions: Counter;
  readonly anonymisedSessions: Counter;
  readonly lastRun: Gauge;
  readonly lastRunDuration: Gauge;

  constructor(registry: Registry) {
    const registers = [registry];
    this.deletedRows = new Counter({
      name: 'etax_retention_deleted_rows_total',
      help: 'Rows of the system of record deleted by this instance past SESSION_RETENTION_DAYS, by table (rows of dropped partitions not counted)',
      labelNames: ['table'],
      registers,
    });
    this.droppedPartitions = new Counter({ name: 'etax_retention_dropped_partitions_total', help: 'Monthly recordings partitions dropped whole by this instance', registers });
    this.anonymisedSessions = new Counter({
      name: 'etax_retention_anonymised_sessions_total',
      help: 'Sessions past SESSION_RETENTION_DAYS whose record this instance deleted, their rows kept anonymised for the reports until REPORT_RETENTION_DAYS',
      registers,
    });
    this.lastRun = new Gauge({ name: 'etax_retention_last_run_timestamp_seconds', help: 'When this instance last completed a retention run (0: never)', registers });
    this.lastRunDuration = new Gauge({ name: 'etax_retention_last_run_duration_seconds', help: 'How long the last completed retention run of this instance took', registers });
  }
}
