import { Type, type Static } from '@sinclair/typebox';

/** One instance of the service, as it announced itself with its latest heartbeat. */
export const InstanceInfo = Type.Object({
  id: Type.String(),
  url: Type.String(),
  /** Media rooms (one per session with a call) it holds. */
  rooms: Type.Integer({ minimum: 0 }),
  sockets: Type.Integer({ minimum: 0 }),
  draining: Type.Boolean(),
  startedAt: Type.Integer(),
  at: Type.Integer(),
});
export type InstanceInfo = Static<typeof InstanceInfo>;

export const InstanceList = Type.Object({ self: Type.String(), instances: Type.Array(InstanceInfo) });
export type InstanceList = Static<typeof InstanceList>;

export const DrainInstance = Type.Object({ instanceId: Type.String({ pattern: '^[A-Za-z0-9._:-]{1,64}$' }) }, { additionalProperties: false });
export type DrainInstance = Static<typeof DrainInstance>;

export const InstanceParams = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9._:-]{1,64}$' }) }, { additionalProperties: false });
export type InstanceParams = Static<typeof InstanceParams>;
