import { Counter } from 'prom-client';

/**
 * Help requests the dispatcher refused because the records outbox is full
 * (ARCHIVE_OUTBOX_MAX_LENGTH). Process-wide like the default process metrics; each service's
 * registry registers it.
 */
export const outboxFullRefusals = new Counter({
  name: 'etax_outbox_full_refusals_total',
  help: 'Help requests refused (UNAVAILABLE) because the records outbox holds ARCHIVE_OUTBOX_MAX_LENGTH entries',
  registers: [],
});
