import { FormatRegistry } from '@sinclair/typebox';

/**
 * TypeBox's Value.Check knows no string formats by itself (fastify's ajv does): register the
 * ones the protocol uses so browsers and the server check them alike.
 */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

if (!FormatRegistry.Has('date-time')) {
  FormatRegistry.Set('date-time', (value) => DATE_TIME.test(value) && !Number.isNaN(Date.parse(value)));
}
