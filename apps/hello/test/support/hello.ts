// An in-process HelloSockets server on an ephemeral port, plus the clients a test opened on it.
import type { AddressInfo } from "node:net";
import type { Endpoint } from "fenix";
import { createHelloApp } from "../../src/app.js";
import type { HelloConfig } from "../../src/app.js";
import { afterEach } from "vitest";
import { WireClient } from "./wire.js";

export const SECRET = "hello-acceptance-secret-key-base-0123456789abcdefghijklmnopqrstuvw";
export const API_KEY = "hello-acceptance-api-key";

export interface Hello {
  endpoint: Endpoint;
  port: number;
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** `ws://127.0.0.1:<port><mount>/websocket?<query>` */
  wsUrl(mount?: string, query?: string): string;
  /** Opens a raw WebSocket client (closed by `stop`). */
  connect(query?: string, mount?: string): Promise<WireClient>;
  /** Registers something to close before the server stops (e.g. an official client). */
  onStop(fn: () => unknown): void;
  stop(): Promise<void>;
}

export async function startHello(config: Partial<HelloConfig> = {}): Promise<Hello> {
  const endpoint = createHelloApp({ secretKeyBase: SECRET, apiKey: API_KEY, ...config });
  const server = await endpoint.listen(0, "127.0.0.1");
  const port = (server.address() as AddressInfo).port;
  const base = `http://127.0.0.1:${port}`;
  const cleanups: (() => unknown)[] = [];
  const wsUrl = (mount = "/socket", query = "vsn=2.0.0") => `ws://127.0.0.1:${port}${mount}/websocket${query ? `?${query}` : ""}`;
  return {
    endpoint,
    port,
    base,
    wsUrl,
    async connect(query = "vsn=2.0.0", mount = "/socket") {
      const client = await WireClient.open(wsUrl(mount, query));
      cleanups.push(() => client.terminate());
      return client;
    },
    onStop(fn) {
      cleanups.push(fn);
    },
    async stop() {
      for (const fn of cleanups.splice(0).reverse()) {
        try {
          await fn();
        } catch {
          // best effort
        }
      }
      await withTimeout(endpoint.close(), 5_000, "endpoint.close()");
    },
  };
}

/** Rejects when `promise` has not settled within `ms`. */
/** `start(config)` for a test file: each test's app is stopped after it (registers its own afterEach). */
export function helloPerTest(): (config?: Partial<HelloConfig>) => Promise<Hello> {
  let hello: Hello | undefined;
  afterEach(async () => {
    await hello?.stop();
    hello = undefined;
  });
  return async (config = {}) => {
    hello = await startHello(config);
    return hello;
  };
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Polls `condition` every 10 ms; rejects after `ms`. */
export async function waitFor(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(10);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
