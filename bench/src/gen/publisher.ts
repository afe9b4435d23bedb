// Publishes through each server's HTTP trigger (keep-alive, a bounded number of requests in
// flight). Each message's payload carries its send time, so subscribers can compute latency.
import { Agent, request } from "node:http";
import { type Protocol, nowUs, payload } from "./clients.js";

interface Trigger {
  path: string;
  headers: Record<string, string>;
}

function trigger(protocol: Protocol, apiKey: string): Trigger {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (protocol === "fenix") return { path: "/api/broadcast", headers: { ...headers, authorization: `Bearer ${apiKey}` } };
  return { path: "/broadcast", headers };
}

export interface PublishResult {
  published: number;
  errors: number;
  firstError?: string;
}

export class Publisher {
  private readonly agent: Agent;
  private readonly trigger: Trigger;
  private inFlight = 0;
  private published = 0;
  private errors = 0;
  private firstError: string | undefined;
  /** Deliveries counted by all subscribers since the phase began (relayed by the runner). */
  private delivered = 0;
  private wake: (() => void) | undefined;

  constructor(
    private readonly port: number,
    protocol: Protocol,
    apiKey: string,
    private readonly topic: string,
    private readonly maxInFlight: number,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: maxInFlight });
    this.trigger = trigger(protocol, apiKey);
  }

  credit(delivered: number): void {
    this.delivered = delivered;
    this.wake?.();
  }

  private publishOne(): void {
    const seq = ++this.published;
    const body = `{"topic":${JSON.stringify(this.topic)},"event":"msg","payload":${payload(nowUs(), seq)}}`;
    this.inFlight++;
    let done = false;
    const finish = (error?: string) => {
      if (done) return;
      done = true;
      this.inFlight--;
      if (error !== undefined) {
        this.errors++;
        this.firstError ??= error;
      }
      this.wake?.();
    };
    const req = request(
      { host: "127.0.0.1", port: this.port, method: "POST", path: this.trigger.path, agent: this.agent, headers: this.trigger.headers },
      (res) => {
        res.resume();
        res.once("end", () => finish(res.statusCode === 200 ? undefined : `HTTP ${res.statusCode}`));
        res.once("error", (err) => finish(err.message));
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error("publish timed out")));
    req.once("error", (err) => finish(err.message));
    req.end(body);
  }

  private reset(): void {
    this.published = 0;
    this.errors = 0;
    this.firstError = undefined;
    this.delivered = 0;
  }

  private result(): PublishResult {
    return { published: this.published, errors: this.errors, firstError: this.firstError };
  }

  /**
   * Publishes as fast as the server takes it for `durationMs`, keeping at most `window` messages
   * not yet delivered to every subscriber (and `maxInFlight` HTTP requests open): the server
   * is saturated, yet its output buffers stay bounded whoever is slower.
   */
  saturate(durationMs: number, window: number, subscribers: number): Promise<PublishResult> {
    this.reset();
    const end = performance.now() + durationMs;
    return new Promise((resolve) => {
      const pump = () => {
        if (performance.now() >= end) {
          if (this.inFlight === 0) {
            this.wake = undefined;
            resolve(this.result());
          }
          return;
        }
        while (this.inFlight < this.maxInFlight && this.published - Math.floor(this.delivered / subscribers) < window) this.publishOne();
      };
      this.wake = pump;
      setTimeout(pump, durationMs + 1);
      pump();
    });
  }

  /** Publishes `rate` messages per second for `durationMs`, on a schedule that does not drift. */
  fixed(durationMs: number, rate: number): Promise<PublishResult> {
    this.reset();
    const total = Math.max(1, Math.round((rate * durationMs) / 1000));
    const start = performance.now();
    return new Promise((resolve) => {
      const tick = () => {
        const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
        while (this.published < due) this.publishOne();
        if (this.published < total) {
          setTimeout(tick, Math.max(0, start + (this.published * 1000) / rate - performance.now()));
          return;
        }
        this.wake = () => {
          if (this.inFlight === 0) {
            this.wake = undefined;
            resolve(this.result());
          }
        };
        this.wake();
      };
      tick();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
