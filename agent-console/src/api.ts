import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { Catalog, HttpErrorResponse, LoginResponse, type DevLoginRequest } from '@etax-assist/protocol';

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function send(path: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(path, init);
  } catch {
    throw new ApiError('network', 'network');
  }
}

/** The service's own error when it sent one, else what the status says. */
async function refusal(response: Response): Promise<ApiError> {
  const json: unknown = await response.json().catch(() => undefined);
  return Value.Check(HttpErrorResponse, json) ? new ApiError(json.error.code, json.error.message) : new ApiError('network', `HTTP ${response.status}`);
}

/** A call whose answer must match `schema`. */
async function call<S extends TSchema>(path: string, init: RequestInit, schema: S): Promise<Static<S>> {
  const response = await send(path, init);
  if (!response.ok) throw await refusal(response);
  const json: unknown = await response.json().catch(() => undefined);
  if (Value.Check(schema, json)) return json;
  throw new ApiError('network', `HTTP ${response.status}: not the expected answer`);
}

export async function devLogin(body: DevLoginRequest): Promise<LoginResponse> {
  return call('/api/auth/dev-login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }, LoginResponse);
}

/** What this deployment's console lists (topics, languages, outcomes, with their labels). */
export async function fetchCatalog(token: string): Promise<Catalog> {
  return call('/api/catalog', { headers: { authorization: `Bearer ${token}` } }, Catalog);
}

/** Revokes the token on the service (every instance refuses it from now on). */
export async function signOut(token: string): Promise<void> {
  const response = await send('/api/auth/sign-out', { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw await refusal(response);
}
