// The official phoenix.js client (1.8.16) in Node, with `ws` as its WebSocket.
import { Socket } from "phoenix";
import { WebSocket } from "ws";

export { Socket };

// phoenix ships no TypeScript types; these describe the few parts the tests use.
export interface PhxPush {
  receive(status: "ok" | "error" | "timeout", callback: (response?: any) => void): PhxPush;
}
export interface PhxChannel {
  join(timeout?: number): PhxPush;
  push(event: string, payload?: unknown, timeout?: number): PhxPush;
  leave(timeout?: number): PhxPush;
  on(event: string, callback: (payload: any) => void): number;
  off(event: string, ref?: number): void;
  onError(callback: (reason?: any) => void): void;
  onClose(callback: (payload?: any) => void): void;
  state: string;
}
export interface PhxSocket {
  connect(): void;
  disconnect(callback?: () => void, code?: number, reason?: string): void;
  channel(topic: string, params?: object | (() => object)): PhxChannel;
  onOpen(callback: () => void): string;
  onClose(callback: (event: { code: number; reason: string; wasClean: boolean }) => void): string;
  onError(callback: (error: unknown) => void): string;
  isConnected(): boolean;
  ping(callback: (latencyMs: number) => void): boolean;
}

export interface PhxOptions {
  params?: object | (() => object);
  timeout?: number;
  heartbeatIntervalMs?: number;
  reconnectAfterMs?: (tries: number) => number;
  rejoinAfterMs?: (tries: number) => number;
}

/**
 * A phoenix.js socket for `ws://127.0.0.1:<port><mount>`, with quick reconnects and rejoins so
 * tests stay short. `register` receives a cleanup that disconnects it.
 */
export function phxSocket(port: number, mount: string, options: PhxOptions, register: (cleanup: () => void) => void): PhxSocket {
  const socket = new Socket(`ws://127.0.0.1:${port}${mount}`, {
    transport: WebSocket,
    timeout: 2_000,
    reconnectAfterMs: () => 50,
    rejoinAfterMs: () => 50,
    ...options,
  }) as unknown as PhxSocket;
  register(() => socket.disconnect());
  return socket;
}

export type Outcome = { status: "ok" | "error" | "timeout"; response?: unknown };

/** Records every callback a push fires, in order. */
export function record(push: PhxPush): Outcome[] {
  const seen: Outcome[] = [];
  for (const status of ["ok", "error", "timeout"] as const) push.receive(status, (response) => seen.push({ status, response }));
  return seen;
}

/** The first outcome of a push; rejects after `ms`. */
export function outcome(push: PhxPush, ms = 3_000): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`push settled neither ok, error nor timeout within ${ms} ms`)), ms);
    for (const status of ["ok", "error", "timeout"] as const) {
      push.receive(status, (response) => {
        clearTimeout(timer);
        resolve({ status, response });
      });
    }
  });
}

/** Resolves with the next `event` payload on `channel`; rejects after `ms`. */
export function nextEvent(channel: PhxChannel, event: string, ms = 3_000): Promise<any> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      channel.off(event, ref);
      reject(new Error(`no ${event} within ${ms} ms`));
    }, ms);
    const ref = channel.on(event, (payload) => {
      channel.off(event, ref);
      clearTimeout(timer);
      resolve(payload);
    });
  });
}
