import { join } from 'node:path';

/** The rrweb trace the load harness replays (written by `npm run load:capture`). */
export const TRACE_FILE = join(import.meta.dirname, 'traces/refund-form.json');
