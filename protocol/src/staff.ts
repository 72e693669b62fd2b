import { Type, type Static } from '@sinclair/typebox';
import { SignedInRoleSchema } from './auth.js';
import { LanguageSchema, TierSchema, TopicSchema } from './session.js';

/**
 * The staff directory (HTTP, the `admin` role; docs/roles.md): one member per person, keyed by
 * the identity provider's subject (the dev login's username), with the skills routing uses.
 * Every change is kept in the member's history (StaffEvent).
 */

export const StaffSub = Type.String({ pattern: '^[A-Za-z0-9._@|:-]{1,128}$' });

/** A topic the member serves and how well (1 novice … 5 expert; stored for routing by proficiency). */
export const TopicSkill = Type.Object({ topic: TopicSchema, level: Type.Integer({ minimum: 1, maximum: 5 }) }, { additionalProperties: false });
export type TopicSkill = Static<typeof TopicSkill>;

/** A hall or region the member serves (text ids of the catalog). */
export const HallId = Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,63}$' });

/** What an administrator sets; the rest of a member (who and when) the service keeps. */
export const StaffProfile = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    role: SignedInRoleSchema,
    tier: TierSchema,
    languages: Type.Array(LanguageSchema, { maxItems: 20, uniqueItems: true }),
    topics: Type.Array(TopicSkill, { maxItems: 100 }),
    /** Text sessions at once. */
    capacity: Type.Integer({ minimum: 1, maximum: 20 }),
    halls: Type.Array(HallId, { maxItems: 100, uniqueItems: true }),
  },
  { additionalProperties: false },
);
export type StaffProfile = Static<typeof StaffProfile>;

export const StaffMember = Type.Object({
  sub: StaffSub,
  ...StaffProfile.properties,
  active: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
  createdBy: Type.String(),
  updatedAt: Type.String({ format: 'date-time' }),
  updatedBy: Type.String(),
});
export type StaffMember = Static<typeof StaffMember>;

export const CreateStaffMember = Type.Object({ sub: StaffSub, ...StaffProfile.properties }, { additionalProperties: false });
export type CreateStaffMember = Static<typeof CreateStaffMember>;

/** Only the fields given change. */
export const UpdateStaffMember = Type.Partial(StaffProfile, { additionalProperties: false, minProperties: 1 });
export type UpdateStaffMember = Static<typeof UpdateStaffMember>;

export const StaffParams = Type.Object({ sub: StaffSub }, { additionalProperties: false });
export type StaffParams = Static<typeof StaffParams>;

export const StaffQuery = Type.Object(
  {
    /** Part of the name or the sub (case-insensitive). */
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    role: Type.Optional(SignedInRoleSchema),
    topic: Type.Optional(TopicSchema),
    active: Type.Optional(Type.Boolean()),
    /** The `next` of the previous page. */
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 400 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  { additionalProperties: false },
);
export type StaffQuery = Static<typeof StaffQuery>;

/** Members in the order of their sub, a page at a time (`next` when there are more). */
export const StaffList = Type.Object({ members: Type.Array(StaffMember), next: Type.Optional(Type.String()) });
export type StaffList = Static<typeof StaffList>;

export const STAFF_EVENT_KINDS = ['created', 'updated', 'disabled', 'enabled'] as const;
export type StaffEventKind = (typeof STAFF_EVENT_KINDS)[number];

/** One change to a member: who made it, when, and each changed field before and after. */
export const StaffEvent = Type.Object({
  id: Type.String(),
  sub: StaffSub,
  kind: Type.Union(STAFF_EVENT_KINDS.map((k) => Type.Literal(k))),
  by: Type.String(),
  at: Type.String({ format: 'date-time' }),
  changes: Type.Record(Type.String(), Type.Object({ before: Type.Unknown(), after: Type.Unknown() })),
});
export type StaffEvent = Static<typeof StaffEvent>;

export const StaffEventsQuery = Type.Object(
  { cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 400 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) },
  { additionalProperties: false },
);
export type StaffEventsQuery = Static<typeof StaffEventsQuery>;

/** A member's history, newest first. */
export const StaffEventList = Type.Object({ events: Type.Array(StaffEvent), next: Type.Optional(Type.String()) });
export type StaffEventList = Static<typeof StaffEventList>;
