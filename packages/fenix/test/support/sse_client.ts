// A raw HTTP Server-Sent Events client for tests: node:http, the bytes kept as they came, and a
// small parser following the EventSource rules (fields until a blank line; `:` comments).
import { request } from "node:http";
import type { ClientRequest, IncomingHttpHeaders, IncomingMessage } from "node:http";

export interface SseEvent {
  id?: string;
  event: string;
  data: string;
  /** `data` parsed as JSON (undefined if it is not). */
  json: any;
}

export class SseStream {
  raw = "";
  events: SseEvent[] = [];
  comments: string[] = [];
  retry: number | undefined;
  ended = false;
  private buffer = "";
  private pending: Partial<SseEvent> & { dataLines?: string[] } = {};

  private constructor(
    readonly req: ClientRequest,
    readonly res: IncomingMessage,
  ) {
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => this.feed(chunk));
    const end = () => {
      this.ended = true;
    };
    res.on("end", end);
    res.on("close", end);
    res.on("error", end);
  }

  get status(): number {
    return this.res.statusCode ?? 0;
  }

  get headers(): IncomingHttpHeaders {
    return this.res.headers;
  }

  /** Opens `url`; resolves once the response headers arrived (any status). */
  static open(url: string, headers: Record<string, string> = {}, timeoutMs = 5_000): Promise<SseStream> {
    return new Promise((resolve, reject) => {
      const req = request(url, { headers: { accept: "text/event-stream", ...headers }, agent: false });
      const timer = setTimeout(() => {
        req.destroy();
        reject(new Error(`no response from ${url} within ${timeoutMs} ms`));
      }, timeoutMs);
      req.on("response", (res) => {
        clearTimeout(timer);
        const stream = new SseStream(req, res);
        opened.add(stream);
        resolve(stream);
      });
      req.on("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      req.end();
    });
  }

  private feed(chunk: string): void {
    this.raw += chunk;
    this.buffer += chunk;
    let nl = this.buffer.indexOf("\n");
    while (nl !== -1) {
      const line = this.buffer.slice(0, nl).replace(/\r$/, "");
      this.buffer = this.buffer.slice(nl + 1);
      this.line(line);
      nl = this.buffer.indexOf("\n");
    }
  }

  private line(line: string): void {
    if (line === "") {
      const { dataLines, event, id } = this.pending;
      this.pending = {};
      if (dataLines === undefined) return;
      const data = dataLines.join("\n");
      let json: unknown;
      try {
        json = JSON.parse(data);
      } catch {
        json = undefined;
      }
      this.events.push({ id, event: event ?? "message", data, json });
      return;
    }
    if (line.startsWith(":")) {
      this.comments.push(line.slice(1).trim());
      return;
    }
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "data") (this.pending.dataLines ??= []).push(value);
    else if (field === "event") this.pending.event = value;
    else if (field === "id") this.pending.id = value;
    else if (field === "retry") this.retry = Number(value);
  }

  /** Waits until an event matching `predicate` arrived; returns it. */
  async waitFor(predicate: (e: SseEvent) => boolean, timeoutMs = 3_000, what = "an event"): Promise<SseEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; stream so far:\n${this.raw}`);
      await sleep(5);
    }
  }

  /** Waits for the `n`-th event (1-based) named `event`. */
  async waitForCount(event: string, n: number, timeoutMs = 3_000): Promise<SseEvent[]> {
    await until(() => this.named(event).length >= n, timeoutMs, `${n} ${event} event(s); stream so far:\n${this.raw}`);
    return this.named(event);
  }

  named(event: string): SseEvent[] {
    return this.events.filter((e) => e.event === event);
  }

  /** The phx_reply of `topic`. */
  reply(topic: string, timeoutMs = 3_000): Promise<SseEvent> {
    return this.waitFor((e) => e.event === "phx_reply" && e.json?.topic === topic, timeoutMs, `the join reply of ${topic}`);
  }

  /** Resolves when the server ended the response. */
  waitEnd(timeoutMs = 3_000): Promise<void> {
    return until(() => this.ended, timeoutMs, `the end of the stream; stream so far:\n${this.raw}`);
  }

  /** Reads the whole body of a non-stream response. */
  async text(timeoutMs = 3_000): Promise<string> {
    await this.waitEnd(timeoutMs);
    return this.raw;
  }

  close(): void {
    opened.delete(this);
    this.req.destroy();
  }
}

const opened = new Set<SseStream>();

/** Destroys every stream a test opened (call in afterEach). */
export function closeAllStreams(): void {
  for (const stream of [...opened]) stream.close();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}
