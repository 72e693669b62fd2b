/** Redis key layout of co-browsing, written here only (cobrowse.lua and recording.lua are handed it). */
export const cobrowseKeys = {
  /** Hash: sharing, control, controller, controllerName, requestExpiresAt, seq; recBytes and recStopped of the recording. */
  state: (sessionId: string) => `cb:${sessionId}`,
  /** Stream: the latest full snapshot and the events since (what a joining agent needs). */
  live: (sessionId: string) => `cb:${sessionId}:live`,
  /** Counter: the events relayed in one second (`second`: since the epoch). */
  rate: (sessionId: string, second: string) => `cb:${sessionId}:rate:${second}`,
  /** Stream: the recording, in compressed chunks. */
  recording: (sessionId: string) => `cb:${sessionId}:rec`,
  /** Sorted set: open control requests by expiry. */
  controlRequests: 'cb:control-requests',
};
