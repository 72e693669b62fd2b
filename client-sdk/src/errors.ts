import type { ErrorCode } from '@etax-assist/protocol';

/** A failure the service reported (or the SDK detected), with the protocol's machine-readable code. */
export class AssistError extends Error {
  constructor(
    readonly code: ErrorCode | 'TIMEOUT' | 'DISCONNECTED',
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AssistError';
  }
}
