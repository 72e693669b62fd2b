/** The slice of pino's interface the SFU logs through, so it stays independent of the server. */
export interface SfuLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
