import { Value } from '@sinclair/typebox/value';
import { HttpErrorResponse, LoginResponse, type DevLoginRequest } from '@etax-assist/protocol';

export class ApiError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

export async function devLogin(body: DevLoginRequest): Promise<LoginResponse> {
  let response: Response;
  try {
    response = await fetch('/api/auth/dev-login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch {
    throw new ApiError('network', 'network');
  }
  const json: unknown = await response.json().catch(() => undefined);
  if (response.ok && Value.Check(LoginResponse, json)) return json;
  if (Value.Check(HttpErrorResponse, json)) throw new ApiError(json.error.code, json.error.message);
  throw new ApiError('network', `HTTP ${response.status}`);
}

/** Revokes the token on the service (every instance refuses it from now on). */
export async function signOut(token: string): Promise<void> {
  let response: Response;
  try {
    response = await fetch('/api/auth/sign-out', { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  } catch {
    throw new ApiError('network', 'network');
  }
  if (response.ok) return;
  const json: unknown = await response.json().catch(() => undefined);
  if (Value.Check(HttpErrorResponse, json)) throw new ApiError(json.error.code, json.error.message);
  throw new ApiError('network', `HTTP ${response.status}`);
}
