import { ProtocolError } from '@etax-assist/protocol';

/** A row's place in a keyset order: its time exactly as PostgreSQL has it (microseconds), and its id. */
export interface RecordPosition {
  at: string;
  id: string;
}

/** The SQL of a timestamptz column as the text a cursor keeps: UTC, every microsecond (a JS Date keeps only milliseconds). */
export const positionOf = (column: string): string => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const POSITION_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** The opaque `cursor` / `next` of a page: where the page ended. */
export function encodeCursor({ at, id }: RecordPosition): string {
  return Buffer.from(JSON.stringify([at, id])).toString('base64url');
}

/** The position a cursor names, or VALIDATION_FAILED (a cursor is only ever one this service made). */
export function decodeCursor(cursor: string): RecordPosition {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (!Array.isArray(value) || value.length !== 2) throw new ProtocolError('VALIDATION_FAILED', 'Invalid cursor: pass back the `next` of a page');
  const [at, id] = value as unknown[];
  if (typeof at !== 'string' || typeof id !== 'string' || !POSITION_TIME.test(at) || Number.isNaN(Date.parse(at)) || id.length === 0) {
    throw new ProtocolError('VALIDATION_FAILED', 'Invalid cursor: pass back the `next` of a page');
  }
  return { at, id };
}

/**
 * A page of `limit` rows out of the `limit + 1` a query read (the extra one says there are more),
 * with the cursor of the next page when there is one.
 */
export function page<R extends { position: string }>(rows: R[], limit: number, idOf: (row: R) => string): { rows: R[]; next: string | undefined } {
  if (rows.length <= limit) return { rows, next: undefined };
  const kept = rows.slice(0, limit);
  const last = kept[kept.length - 1] as R;
  return { rows: kept, next: encodeCursor({ at: last.position, id: idOf(last) }) };
}
