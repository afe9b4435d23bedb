// A raw long-poll client in the spirit of Phoenix's long_poll_*_test.exs helpers: plain fetch
// requests, so tests see the exact envelope (HTTP status, headers, JSON body) the server sends.
import { expect } from "vitest";
import { V1, V2 } from "./protocol.js";
import type { Proto, Ref } from "./protocol.js";
import { WAIT_MS } from "./ws_client.js";

export interface LpResponse {
  /** The HTTP status (Phoenix's envelope: 200 unless the request itself is bad). */
  http: number;
  headers: Headers;
  text: string;
  /** The parsed body; undefined when it is not JSON. */
  body: any;
}

export type FrameSpec = [joinRef: Ref, ref: Ref, topic: string, event: string, payload?: unknown];

export interface RequestOptions {
  headers?: Record<string, string>;
  /** Overrides the client's token (null sends none). */
  token?: string | null;
  /** Overrides the content type of a POST (V2 default `application/x-ndjson`, V1 `application/json`). */
  contentType?: string;
  /** Query params besides `vsn` and `token`. */
  query?: Record<string, string>;
  /** A different base URL (e.g. another node of a cluster). */
  base?: (path: string, query: Record<string, string>, proto: Proto) => string;
}

export async function request(url: string, init: RequestInit = {}): Promise<LpResponse> {
  const res = await fetch(url, { ...init, signal: init.signal ?? AbortSignal.timeout(WAIT_MS) });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { http: res.status, headers: res.headers, text, body };
}

/** Every JSON answer of the transport: HTTP 200 with these headers. */
export function expectEnvelope(res: LpResponse): void {
  expect(res.http).toBe(200);
  expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
  expect(res.headers.get("cache-control")).toBe("no-store");
  expect(res.headers.get("access-control-allow-origin")).toBe("*");
}

export class LongPollClient {
  token: string | null = null;

  constructor(
    readonly base: (path: string, query: Record<string, string>, proto: Proto) => string,
    readonly path: string,
    readonly proto: Proto = V2,
    readonly query: Record<string, string> = {},
  ) {}

  url(options: RequestOptions = {}): string {
    const token = options.token === undefined ? this.token : options.token;
    const query = { ...this.query, ...options.query, ...(token === null ? {} : { token }) };
    return (options.base ?? this.base)(this.path, query, this.proto);
  }

  get(options: RequestOptions = {}): Promise<LpResponse> {
    return request(this.url(options), { headers: options.headers });
  }

  post(body: string, options: RequestOptions = {}): Promise<LpResponse> {
    const contentType = options.contentType ?? (this.proto === V2 ? "application/x-ndjson" : "application/json");
    return request(this.url(options), { method: "POST", body, headers: { "content-type": contentType, ...options.headers } });
  }

  /** The first GET: a new session (410 and a token), which this client keeps. */
  async open(options: RequestOptions = {}): Promise<string> {
    const res = await this.get({ ...options, token: null });
    expectEnvelope(res);
    expect(res.body).toStrictEqual({ status: 410, token: expect.any(String), messages: [] });
    this.token = res.body.token;
    return res.body.token;
  }

  /** Writes frames in this client's protocol: V2 as one ndjson batch, V1 as one POST per object. */
  async send(frames: FrameSpec[], options: RequestOptions = {}): Promise<void> {
    const encoded = frames.map(([joinRef, ref, topic, event, payload = {}]) => this.proto.frame(joinRef, ref, topic, event, payload));
    const bodies = this.proto === V2 ? [encoded.join("\n")] : encoded;
    for (const body of bodies) {
      const res = await this.post(body, options);
      expectEnvelope(res);
      expect(res.body).toStrictEqual({ status: 200 });
    }
  }

  /** GETs until `count` messages came (a server may split a burst over two polls); parsed JSON. */
  async receive(count: number, options: RequestOptions = {}, timeout = WAIT_MS): Promise<unknown[]> {
    const deadline = Date.now() + timeout;
    const got: unknown[] = [];
    while (got.length < count) {
      if (Date.now() > deadline) throw new Error(`only ${got.length} of ${count} messages within ${timeout}ms: ${JSON.stringify(got)}`);
      const res = await this.get(options);
      expectEnvelope(res);
      if (res.body.status === 204) continue;
      expect(res.body).toMatchObject({ status: 200, token: this.token });
      for (const message of res.body.messages) {
        expect(typeof message).toBe("string");
        got.push(JSON.parse(message));
      }
    }
    return got;
  }

  /** The next messages must be exactly these frames (described in V2 terms), in this order. */
  async expectMessages(expected: FrameSpec[], options: RequestOptions = {}): Promise<void> {
    const got = await this.receive(expected.length, options);
    expect(got).toStrictEqual(expected.map(([joinRef, ref, topic, event, payload = {}]) => this.proto.out(joinRef, ref, topic, event, payload)));
  }

  /** A GET that must wait out the window and answer 204. */
  async expectNoMessages(options: RequestOptions = {}): Promise<void> {
    const res = await this.get(options);
    expectEnvelope(res);
    expect(res.body).toStrictEqual({ status: 204, token: this.token, messages: [] });
  }

  /** Joins a RoomChannel topic and takes Phoenix's three join messages. */
  async join(topic: string, joinRef: Ref = "1", ref: Ref = joinRef, joined: Record<string, unknown> = { status: "connected", user_id: null }): Promise<void> {
    await this.send([[joinRef, ref, topic, "phx_join", {}]]);
    await this.expectMessages([
      [joinRef ?? ref, ref, topic, "phx_reply", { status: "ok", response: {} }],
      [null, null, topic, "user_entered", { user: null }],
      [joinRef ?? ref, null, topic, "joined", joined],
    ]);
  }
}

export { V1, V2 };
