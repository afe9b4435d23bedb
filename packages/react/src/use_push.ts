import type { Channel } from "phoenix";
import { useCallback, useEffect, useRef, useState } from "react";
import { type PushResult, pushTo } from "./push.js";

/** The state of the latest push made through {@link usePush}. */
export interface PushState<Response = unknown> {
  status: "idle" | "pending" | "ok" | "error" | "timeout";
  response: Response | undefined;
}

/** The push function of {@link usePush}; resolves with the reply, never rejects. */
export type PushFn<Response = unknown> = (event: string, payload?: object, timeout?: number) => Promise<PushResult<Response>>;

const IDLE: PushState<never> = { status: "idle", response: undefined };

/**
 * A push function for `channel` and the state of its latest push: `pending` until the reply, then
 * `ok` or `error` with the reply's response, or `timeout`. Only the latest push updates the state.
 *
 * @example
 * const [send, { status, response }] = usePush<{ pong: string }>(channel);
 * <button onClick={() => send("ping", {})}>Ping</button> {status === "ok" && response?.pong}
 */
export function usePush<Response = unknown>(channel: Channel | null): [PushFn<Response>, PushState<Response>] {
  const [state, setState] = useState<PushState<Response>>(IDLE);
  const latestPush = useRef(0);
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const send = useCallback<PushFn<Response>>(
    async (event, payload, timeout) => {
      const id = ++latestPush.current;
      setState({ status: "pending", response: undefined });
      const result = await pushTo<Response>(channel, event, payload, timeout);
      if (mounted.current && id === latestPush.current) setState(result);
      return result;
    },
    [channel],
  );
  return [send, state];
}
