/** Close codes the server uses. Never 1000 when it wants the client back (phoenix.js ≤ 1.8.15 would not reconnect). */
export const CloseCode = {
  /** Only when the client should not come back, e.g. an SSE stream whose every topic has closed. */
  NORMAL: 1000,
  GOING_AWAY: 1001,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  INTERNAL_ERROR: 1011,
  SERVICE_RESTART: 1012,
  /** The client stopped reading: its outbound buffer passed the transport's bound. */
  SLOW_CONSUMER: 4008,
} as const;
