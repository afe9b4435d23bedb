// A raw shopper for the fault and cluster tests: the official phoenix client (with `ws`) joined to
// `product:{id}` topics, recording every `released` and `stock_change` it receives.
import { type PhxChannel, type PhxSocket, outcome, phxSocket } from "../../../hello/test/support/phoenix.js";

export interface ProductEvent {
  topic: string;
  event: "released" | "stock_change";
  payload: any;
}

export interface ProductClient {
  events: ProductEvent[];
  /** How many `event`s arrived, on `topic` if given. */
  count(event: ProductEvent["event"], topic?: string): number;
  /** Resolves once `count(event, topic) >= n` (rejects after `ms`, listing what arrived). */
  waitForCount(event: ProductEvent["event"], topic: string | undefined, n: number, ms?: number): Promise<void>;
  close(): void;
}

/** Connects to the node at `port` and joins `product:{id}` for each id (waiting for every ok). */
export async function productClient(port: number, productIds: number[]): Promise<ProductClient> {
  let cleanup: () => void = () => undefined;
  const socket: PhxSocket = phxSocket(port, "/product_socket", {}, (c) => (cleanup = c));
  const events: ProductEvent[] = [];
  const listeners = new Set<() => void>();
  socket.connect();
  const channels: PhxChannel[] = [];
  for (const id of productIds) {
    const topic = `product:${id}`;
    const channel = socket.channel(topic);
    for (const event of ["released", "stock_change"] as const) {
      channel.on(event, (payload) => {
        events.push({ topic, event, payload });
        for (const l of listeners) l();
      });
    }
    const joined = await outcome(channel.join(), 5_000);
    if (joined.status !== "ok") throw new Error(`joining ${topic} on :${port}: ${JSON.stringify(joined)}`);
    channels.push(channel);
  }
  const count = (event: ProductEvent["event"], topic?: string) => events.filter((e) => e.event === event && (topic === undefined || e.topic === topic)).length;
  return {
    events,
    count,
    waitForCount(event, topic, n, ms = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (count(event, topic) >= n) {
            done();
            resolve();
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(
            new Error(
              `:${port} got ${count(event, topic)} ${event} on ${topic ?? "any topic"} within ${ms} ms, wanted ${n}; got ${JSON.stringify(events.map((e) => `${e.topic} ${e.event}`))}`,
            ),
          );
        }, ms);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    close: () => cleanup(),
  };
}

/** Polls `check` every 50 ms until it returns a truthy value (rejects after `ms` with `what`). */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms${last ? ` (last error: ${(last as Error).message})` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
