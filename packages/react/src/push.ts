import type { Channel } from "phoenix";

/** How a push ended: the server's reply status (or `timeout`), and the reply's response. */
export interface PushResult<Response = unknown> {
  status: "ok" | "error" | "timeout";
  response: Response | undefined;
}

/**
 * Pushes `event` on `channel` and resolves with the reply, never rejects: a refused or failed push
 * resolves `{status: "error"}`, no reply in time `{status: "timeout"}`, a channel that was never
 * joined `{status: "error", response: {reason: "not joined"}}`.
 *
 * @example
 * const { status, response } = await pushTo(channel, "ping", {});
 */
export function pushTo<Response = unknown>(channel: Channel | null, event: string, payload: object = {}, timeout?: number): Promise<PushResult<Response>> {
  return new Promise((resolve) => {
    const notJoined = { status: "error", response: { reason: "not joined" } as Response } as const;
    if (!channel) return resolve(notJoined);
    try {
      channel
        .push(event, payload, timeout)
        .receive("ok", (response) => resolve({ status: "ok", response }))
        .receive("error", (response) => resolve({ status: "error", response }))
        .receive("timeout", () => resolve({ status: "timeout", response: undefined }));
    } catch {
      // phoenix throws when pushing to a channel that has never joined.
      resolve(notJoined);
    }
  });
}
