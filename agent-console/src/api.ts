import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import {
  AgentReport,
  CallInReport,
  CONSOLE_REQUEST_HEADER,
  Catalog,
  CatalogAdminView,
  CatalogPreview,
  CatalogPublication,
  HallList,
  HttpErrorResponse,
  LoginResponse,
  OidcSignOutResponse,
  RecordSearchPage,
  Report,
  ReportHalls,
  SessionRecord,
  SignInMethods,
  StaffEventList,
  StaffList,
  StaffMember,
  type AgentReportQuery,
  type CallInReportQuery,
  type CatalogDraft,
  type CreateStaffMember,
  type DevLoginRequest,
  type Hall,
  type RecordSearchQuery,
  type ReportQuery,
  type StaffQuery,
  type UpdateStaffMember,
} from '@etax-assist/protocol';

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** What the service said beside the code (a limit, as `maxDays`). */
    readonly details?: unknown,
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
  return Value.Check(HttpErrorResponse, json) ? new ApiError(json.error.code, json.error.message, json.error.details) : new ApiError('network', `HTTP ${response.status}`);
}

/** A call whose answer must match `schema`. */
export async function call<S extends TSchema>(path: string, init: RequestInit, schema: S): Promise<Static<S>> {
  const response = await send(path, init);
  if (!response.ok) throw await refusal(response);
  const json: unknown = await response.json().catch(() => undefined);
  if (Value.Check(schema, json)) return json;
  throw new ApiError('network', `HTTP ${response.status}: not the expected answer`);
}

export const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

export async function devLogin(body: DevLoginRequest): Promise<LoginResponse> {
  return call('/api/auth/dev-login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }, LoginResponse);
}

/** Which sign-ins this deployment offers (the dev login's form, the identity provider's button). */
export async function fetchSignInMethods(): Promise<SignInMethods> {
  return call('/api/auth/methods', {}, SignInMethods);
}

/** The provider sign-in's session cookie goes along; the header tells the service it is the console asking. */
const fromConsole = { method: 'POST', credentials: 'same-origin', headers: { [CONSOLE_REQUEST_HEADER]: '1' } } as const;

/** A fresh short-lived service token for the provider sign-in this browser holds (refused once it ended). */
export async function oidcToken(): Promise<LoginResponse> {
  return call('/api/auth/oidc/token', fromConsole, LoginResponse);
}

/** Ends the provider sign-in here (its token revoked); where to send the browser to end it at the provider. */
export async function oidcSignOut(): Promise<OidcSignOutResponse> {
  return call('/api/auth/oidc/sign-out', fromConsole, OidcSignOutResponse);
}

/** What this deployment's console lists (topics, languages, outcomes, with their labels). */
export async function fetchCatalog(token: string): Promise<Catalog> {
  return call('/api/catalog', bearer(token), Catalog);
}

/** The halls, so that the console names a hall whose id an entry or a figure carries (every staff role). */
export async function fetchHalls(token: string): Promise<Hall[]> {
  return (await call('/api/devices/halls', bearer(token), HallList)).halls;
}

/** Revokes the token on the service (every instance refuses it from now on). */
export async function signOut(token: string): Promise<void> {
  const response = await send('/api/auth/sign-out', { method: 'POST', ...bearer(token) });
  if (!response.ok) throw await refusal(response);
}

/** A page of the supervisors' search of ended sessions (GET /api/records/sessions). */
export async function searchRecords(token: string, query: RecordSearchQuery): Promise<RecordSearchPage> {
  const params = new URLSearchParams(Object.entries(query).map(([name, value]) => [name, String(value)]));
  return call(`/api/records/sessions?${params}`, bearer(token), RecordSearchPage);
}

/** One session's record: its row, a page of its audit trail (after `cursor`), its chat. */
export async function openRecord(token: string, sessionId: string, cursor?: string): Promise<SessionRecord> {
  const query = cursor ? `?${new URLSearchParams({ cursor })}` : '';
  return call(`/api/records/sessions/${encodeURIComponent(sessionId)}${query}`, bearer(token), SessionRecord);
}

const reportPath = (report: 'sessions' | 'agents' | 'call-ins', query: ReportQuery | AgentReportQuery | CallInReportQuery) =>
  `/api/reports/${report}?${new URLSearchParams(Object.entries(query).map(([name, value]) => [name, String(value)]))}`;

/** A report on the record (GET /api/reports/sessions), as figures to draw. */
export async function fetchReport(token: string, query: ReportQuery): Promise<Report> {
  return call(reportPath('sessions', query), bearer(token), Report);
}

/** Per-agent figures (GET /api/reports/agents, supervisors). */
export async function fetchAgentReport(token: string, query: AgentReportQuery): Promise<AgentReport> {
  return call(reportPath('agents', query), bearer(token), AgentReport);
}

/** The call-ins of back-office agents (GET /api/reports/call-ins, supervisors). */
export async function fetchCallInReport(token: string, query: CallInReportQuery): Promise<CallInReport> {
  return call(reportPath('call-ins', query), bearer(token), CallInReport);
}

/** The halls the record has sessions from (a report's hall filter). */
export async function fetchReportHalls(token: string): Promise<ReportHalls> {
  return call('/api/reports/halls', bearer(token), ReportHalls);
}

/** The same report (the sessions' or the agents') as a file to save: `format` csv or xlsx, its headers in `lang`. */
export async function exportReport(
  token: string,
  report: 'sessions' | 'agents' | 'call-ins',
  query: (ReportQuery | AgentReportQuery | CallInReportQuery) & Required<Pick<ReportQuery, 'format' | 'lang'>>,
): Promise<Blob> {
  const response = await send(reportPath(report, query), bearer(token));
  if (!response.ok) throw await refusal(response);
  return response.blob();
}

/** The published catalog and its history (administrators). */
export async function fetchCatalogAdmin(token: string): Promise<CatalogAdminView> {
  return call('/api/admin/catalog', bearer(token), CatalogAdminView);
}

const postDraft = (token: string, draft: CatalogDraft): RequestInit => ({
  method: 'POST',
  headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  body: JSON.stringify(draft),
});

/** What publishing the draft would change (nothing is written). */
export async function previewCatalog(token: string, draft: CatalogDraft): Promise<CatalogPreview> {
  return call('/api/admin/catalog/preview', postDraft(token, draft), CatalogPreview);
}

/** Publishes the draft: every instance applies it within seconds. */
export async function publishCatalog(token: string, draft: CatalogDraft): Promise<CatalogPublication> {
  return call('/api/admin/catalog/versions', postDraft(token, draft), CatalogPublication);
}

const json = (token: string, method: string, body?: unknown): RequestInit => ({
  method,
  headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});
const memberPath = (sub: string) => `/api/staff/${encodeURIComponent(sub)}`;

/** A page of the staff directory (GET /api/staff), administrators only. */
export async function listStaff(token: string, query: StaffQuery): Promise<StaffList> {
  const params = new URLSearchParams(Object.entries(query).map(([name, value]) => [name, String(value)]));
  return call(`/api/staff?${params}`, bearer(token), StaffList);
}

export async function createStaff(token: string, member: CreateStaffMember): Promise<StaffMember> {
  return call('/api/staff', json(token, 'POST', member), StaffMember);
}

export async function updateStaff(token: string, sub: string, patch: UpdateStaffMember): Promise<StaffMember> {
  return call(memberPath(sub), json(token, 'PATCH', patch), StaffMember);
}

/** Disables (signed off and disconnected at once) or enables a member. */
export async function setStaffActive(token: string, sub: string, active: boolean): Promise<StaffMember> {
  return call(`${memberPath(sub)}/${active ? 'enable' : 'disable'}`, json(token, 'POST'), StaffMember);
}

/** A page of a member's history, newest first. */
export async function staffEvents(token: string, sub: string, cursor?: string): Promise<StaffEventList> {
  const query = cursor ? `?${new URLSearchParams({ cursor })}` : '';
  return call(`${memberPath(sub)}/events${query}`, bearer(token), StaffEventList);
}
