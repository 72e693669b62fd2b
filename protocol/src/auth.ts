import { Type, type Static } from '@sinclair/typebox';
import { PriorityGroupSchema } from './session.js';

export const ROLES = ['taxpayer', 'agent', 'expert', 'supervisor', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export const STAFF_ROLES = ['agent', 'expert', 'supervisor'] as const satisfies readonly Role[];
export type StaffRole = (typeof STAFF_ROLES)[number];

export const RoleSchema = Type.Union(ROLES.map((r) => Type.Literal(r)));
export const StaffRoleSchema = Type.Union(STAFF_ROLES.map((r) => Type.Literal(r)));

/**
 * Claims of a taxpayer token, minted by the e-tax portal (it knows who is logged in) with its
 * shared secret (HS256) or private key (RS256/ES256, published as a JWKS). `sub` is the portal's
 * user id. Everything here is the portal's word, never the page's: the identity, and `priority`,
 * the green-channel group the portal granted this taxpayer (absent: none).
 */
export const TaxpayerClaims = Type.Object({
  sub: Type.String({ minLength: 1, maxLength: 128 }),
  role: Type.Literal('taxpayer'),
  name: Type.String({ minLength: 1, maxLength: 200 }),
  /** Unified social credit code / taxpayer identification number. */
  taxpayerId: Type.Optional(Type.String({ maxLength: 64 })),
  company: Type.Optional(Type.String({ maxLength: 200 })),
  priority: Type.Optional(PriorityGroupSchema),
});
export type TaxpayerClaims = Static<typeof TaxpayerClaims>;

/**
 * Claims of a staff token, minted by this service after a staff login (or by the authority's
 * identity provider with the same claims), from the member's entry in the staff directory. The
 * languages and topics are what the directory held at sign-in; routing reads the directory itself.
 */
export const StaffClaims = Type.Object({
  sub: Type.String({ minLength: 1, maxLength: 128 }),
  role: StaffRoleSchema,
  name: Type.String({ minLength: 1, maxLength: 200 }),
  languages: Type.Optional(Type.Array(Type.String({ maxLength: 12 }), { maxItems: 20 })),
  topics: Type.Optional(Type.Array(Type.String({ maxLength: 40 }), { maxItems: 100 })),
});
export type StaffClaims = Static<typeof StaffClaims>;

/**
 * Claims of an administrator's token (minted by this service like a staff token). The role
 * administers the staff directory (protocol/src/staff.ts), the catalog, the halls and kiosks, and
 * the record (legal holds and erasure) over HTTP: it has no realtime connection and nothing is
 * routed to it.
 */
export const AdminClaims = Type.Object({
  sub: Type.String({ minLength: 1, maxLength: 128 }),
  role: Type.Literal('admin'),
  name: Type.String({ minLength: 1, maxLength: 200 }),
});
export type AdminClaims = Static<typeof AdminClaims>;

/** What this service signs after a sign-in: a staff member's or an administrator's claims. */
export const SignedInClaims = Type.Union([StaffClaims, AdminClaims]);
export type SignedInClaims = StaffClaims | AdminClaims;
export const SignedInRoleSchema = Type.Union([StaffRoleSchema, Type.Literal('admin')]);
export type SignedInRole = Static<typeof SignedInRoleSchema>;
export const SIGNED_IN_ROLES = [...STAFF_ROLES, 'admin'] as const satisfies readonly SignedInRole[];

/** Who may hold a realtime connection: everyone but administrators (see AdminClaims). */
export const RealtimePrincipalSchema = Type.Union([TaxpayerClaims, StaffClaims]);
export type RealtimePrincipal = TaxpayerClaims | StaffClaims;

export const PrincipalSchema = Type.Union([TaxpayerClaims, StaffClaims, AdminClaims]);
export type Principal = TaxpayerClaims | StaffClaims | AdminClaims;

export const DevLoginRequest = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: 256 }),
  },
  { additionalProperties: false },
);
export type DevLoginRequest = Static<typeof DevLoginRequest>;

export const LoginResponse = Type.Object({
  token: Type.String(),
  expiresAt: Type.String({ format: 'date-time' }),
  principal: SignedInClaims,
});
export type LoginResponse = Static<typeof LoginResponse>;

export const WhoAmIResponse = Type.Object({
  principal: PrincipalSchema,
});
export type WhoAmIResponse = Static<typeof WhoAmIResponse>;

/**
 * Sent just before the server closes a socket whose token stopped being valid: it expired (the
 * SDK fetches a fresh token and reconnects by itself) or it was revoked by a sign-out or its staff member disabled in the directory (final).
 */
export const AuthEndedEvent = Type.Object({
  code: Type.Union([Type.Literal('TOKEN_EXPIRED'), Type.Literal('TOKEN_REVOKED'), Type.Literal('ACCOUNT_DISABLED')]),
  message: Type.String(),
});
export type AuthEndedEvent = Static<typeof AuthEndedEvent>;

/**
 * A fresh token for the same user, presented over the live socket before the current one expires:
 * the socket carries on under it (no reconnect, no call rebuilt).
 */
export const RenewToken = Type.Object({ token: Type.String({ minLength: 1, maxLength: 8192 }) }, { additionalProperties: false });
export const RenewTokenResult = Type.Object({
  /** Until when the socket is accepted now (ms since the epoch, the server's clock). */
  validUntilMs: Type.Number(),
});
