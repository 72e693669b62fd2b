import type { CallbackStatus } from '@etax-assist/protocol';

/** What a request in the callback state tells the taxpayer's pages, from its session hash (server/lua/dispatch/callback.lua). */
export function callbackStatus(fields: Record<string, string>): CallbackStatus {
  const status: CallbackStatus = { holdUntil: Number(fields.callbackUntil ?? 0), misses: Number(fields.callbackMisses ?? 0) };
  if (fields.recallUntil) status.answerBy = Number(fields.recallUntil);
  return status;
}
