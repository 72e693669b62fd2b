import { Type, type Static } from '@sinclair/typebox';

/**
 * The records admin API (HTTP, the `admin` role; docs/records.md "Retention, legal holds,
 * erasure"): legal holds that keep a session past retention, and the erasure of one taxpayer's
 * records on request, with the audit log that survives it.
 */

const sessionId = Type.String({ minLength: 1, maxLength: 200 });
const reason = Type.String({ minLength: 1, maxLength: 1000 });
const at = Type.String({ format: 'date-time' });

export const LegalHold = Type.Object({
  sessionId,
  reason,
  /** The administrator who placed it (their sub). */
  placedBy: Type.String(),
  placedAt: at,
  releasedBy: Type.Optional(Type.String()),
  releasedAt: Type.Optional(at),
});
export type LegalHold = Static<typeof LegalHold>;

export const PlaceLegalHoldRequest = Type.Object({ sessionId, reason }, { additionalProperties: false });
export type PlaceLegalHoldRequest = Static<typeof PlaceLegalHoldRequest>;

export const LegalHoldParams = Type.Object({ sessionId }, { additionalProperties: false });
export type LegalHoldParams = Static<typeof LegalHoldParams>;

export const LegalHoldsQuery = Type.Object(
  {
    /** Released holds too (newest first), not only those in force. */
    released: Type.Optional(Type.Boolean()),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  },
  { additionalProperties: false },
);
export type LegalHoldsQuery = Static<typeof LegalHoldsQuery>;

export const LegalHoldList = Type.Object({ holds: Type.Array(LegalHold) });
export type LegalHoldList = Static<typeof LegalHoldList>;

/** How the taxpayer is named: the portal's user id (`sub`) or their tax id. */
export const TAXPAYER_IDENTIFIER_KINDS = ['sub', 'taxpayerId'] as const;
export const TaxpayerIdentifier = Type.Object(
  { kind: Type.Union(TAXPAYER_IDENTIFIER_KINDS.map((kind) => Type.Literal(kind))), value: Type.String({ minLength: 1, maxLength: 128 }) },
  { additionalProperties: false },
);
export type TaxpayerIdentifier = Static<typeof TaxpayerIdentifier>;

export const ErasureRequest = Type.Object(
  {
    taxpayer: TaxpayerIdentifier,
    reason,
    /** Erase the sessions not under a legal hold and keep the held ones (else a hold refuses the whole erasure). */
    unheldOnly: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type ErasureRequest = Static<typeof ErasureRequest>;

/** One erasure as the audit log keeps it. */
export const Erasure = Type.Object({
  id: Type.String(),
  at,
  /** The administrator who asked for it (their sub). */
  erasedBy: Type.String(),
  identifierKind: TaxpayerIdentifier.properties.kind,
  /** SHA-256 (hex) of the identifier as given: who it was can be checked, not read back. */
  identifierSha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  reason,
  sessions: Type.Integer({ minimum: 0 }),
  /** Rows deleted per table (`sessions`, `session_events`, …) and `redisKeys`. */
  deleted: Type.Record(Type.String(), Type.Integer({ minimum: 0 })),
  /** The held sessions left in place (`unheldOnly`). */
  heldKept: Type.Array(sessionId),
});
export type Erasure = Static<typeof Erasure>;

export const ErasuresQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
    /** Paging: only erasures older than this id (the last one of the previous page). */
    before: Type.Optional(Type.String({ pattern: '^\\d{1,19}$' })),
  },
  { additionalProperties: false },
);
export type ErasuresQuery = Static<typeof ErasuresQuery>;

export const ErasureList = Type.Object({ erasures: Type.Array(Erasure) });
export type ErasureList = Static<typeof ErasureList>;

/** The `details` of a LEGAL_HOLD refusal: the held sessions. */
export const LegalHoldRefusal = Type.Object({ sessions: Type.Array(sessionId) });
export type LegalHoldRefusal = Static<typeof LegalHoldRefusal>;
