/** Socket.IO rooms: each names a group of sockets, on every instance once the adapter spans them. */
export const rooms = {
  /** Every participant's sockets of one session. */
  session: (sessionId: string) => `session:${sessionId}`,
  /** Sockets watching a session's mirror: its agents and supervisors, never the taxpayer. */
  mirror: (sessionId: string) => `mirror:${sessionId}`,
  /** All sockets of one agent (several tabs, or a reload overlapping the old page). */
  agent: (agentId: string) => `agent:${agentId}`,
  /** All sockets of one supervisor, so that ending their part in a session reaches every tab. */
  supervisor: (sub: string) => `supervisor:${sub}`,
  taxpayer: (sub: string) => `taxpayer:${sub}`,
  supervisors: 'supervisors',
  /** Every staff socket (agents, experts, supervisors): what all consoles must hear, like a new catalog. */
  staff: 'staff',
};

/** The session whose mirror `room` is, if it is a mirror room. */
export const mirrorSessionOf = (room: string): string | undefined => (room.startsWith('mirror:') ? room.slice('mirror:'.length) : undefined);

/** The rooms a participant is in for one session: leaving the session means leaving all of them. */
export const sessionRooms = (sessionId: string): string[] => [rooms.session(sessionId), rooms.mirror(sessionId)];
