/** Socket.IO rooms: each names a group of sockets, on every instance once the adapter spans them. */
export const rooms = {
  /** Every participant's sockets of one session. */
  session: (sessionId: string) => `session:${sessionId}`,
  /** All sockets of one agent (several tabs, or a reload overlapping the old page). */
  agent: (agentId: string) => `agent:${agentId}`,
  taxpayer: (sub: string) => `taxpayer:${sub}`,
  supervisors: 'supervisors',
};
