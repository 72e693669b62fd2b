import { Type, type Static } from '@sinclair/typebox';

/**
 * Machine-readable error codes. HTTP responses carry them in `{ error: { code, message } }`,
 * socket acks in `{ ok: false, error: { code, message } }`, so clients branch on the code and
 * show the message (or their own translation of the code).
 */
export const ERROR_CODES = [
  'BAD_REQUEST',
  'VALIDATION_FAILED',
  'UNAUTHENTICATED',
  'TOKEN_EXPIRED',
  'TOKEN_INVALID',
  'TOKEN_REVOKED',
  /** The staff member was disabled in the staff directory: their tokens are refused and their sockets closed. */
  'ACCOUNT_DISABLED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'OFFER_EXPIRED',
  /** A call-in already answered or expired (docs/dispatcher.md, "Call-ins"). */
  'CALL_IN_CLOSED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'RATE_LIMITED',
  /** A count limit (transports, producers, …) is reached: close something first. */
  'LIMIT_REACHED',
  'UNKNOWN_EVENT',
  'UNAVAILABLE',
  /** Another instance speaks a different cluster wire version (a rolling upgrade is under way): retry or rejoin. */
  'VERSION_MISMATCH',
  /** A legal hold keeps the record: it may not be erased (details: the held sessions). */
  'LEGAL_HOLD',
  /** A sign-in through the identity provider did not complete (details.reason: a SignInFailure). */
  'SIGN_IN_FAILED',
  /** A help request claims what only the portal's token (priority) or a registered kiosk (kiosk entry) may say (details: HelpClaimRefusal). */
  'CLAIM_NOT_GRANTED',
  /** A browser request or socket from a page whose origin is not among PORTAL_ORIGINS (nor the service's own). */
  'ORIGIN_NOT_ALLOWED',
  /** A hall that active kiosks stand in cannot be taken out of service (details: HallInUse, protocol/src/devices.ts). */
  'HALL_IN_USE',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export const ErrorBody = Type.Object({
  code: Type.Union(ERROR_CODES.map((c) => Type.Literal(c))),
  message: Type.String(),
  details: Type.Optional(Type.Unknown()),
});
export type ErrorBody = Static<typeof ErrorBody>;

export const HttpErrorResponse = Type.Object({ error: ErrorBody });
export type HttpErrorResponse = Static<typeof HttpErrorResponse>;

/** The HTTP status each code maps to, so every layer answers a given failure the same way. */
export const HTTP_STATUS_OF: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  TOKEN_EXPIRED: 401,
  TOKEN_INVALID: 401,
  TOKEN_REVOKED: 401,
  ACCOUNT_DISABLED: 403,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  OFFER_EXPIRED: 409,
  CALL_IN_CLOSED: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  LIMIT_REACHED: 409,
  UNKNOWN_EVENT: 400,
  UNAVAILABLE: 503,
  VERSION_MISMATCH: 503,
  LEGAL_HOLD: 409,
  SIGN_IN_FAILED: 401,
  CLAIM_NOT_GRANTED: 403,
  ORIGIN_NOT_ALLOWED: 403,
  HALL_IN_USE: 409,
  INTERNAL: 500,
};

/** An error that crosses a boundary: thrown by handlers, serialised as an ErrorBody. */
export class ProtocolError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
    this.details = details;
  }

  get httpStatus(): number {
    return HTTP_STATUS_OF[this.code];
  }

  toBody(): ErrorBody {
    return this.details === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, details: this.details };
  }
}
