// HelloSockets over Server-Sent Events with the `eventsource` npm client: `/socket/sse?topics=…`
// joins the book's channels; server-side broadcasts arrive as named events.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEDUPE_WINDOW_MS, broadcastNumbers } from "../src/app.js";
import { API_KEY, sleep, startHello } from "./support/hello.js";
import type { Hello } from "./support/hello.js";
import { publish } from "./support/http.js";
import { listen } from "./support/sse.js";
import type { Listener } from "./support/sse.js";

const WAIT = { timeout: 5_000, interval: 20 };
let hello: Hello;

beforeEach(async () => {
  hello = await startHello();
});

afterEach(async () => {
  await hello.stop();
});

function open(query: string, types: string[]): Listener {
  const listener = listen(`${hello.base}/socket/sse?${query}`, ["phx_reply", "phx_close", "phx_error", ...types]);
  hello.onStop(() => listener.source.close());
  return listener;
}

async function joined(listener: Listener, topic: string): Promise<void> {
  await expect.poll(() => listener.of("phx_reply").find((e) => e.data.topic === topic)?.data.status, WAIT).toBe("ok");
}

describe("ping over SSE", () => {
  it("answers a publish-API request_ping with a send_ping event carrying from_node", async () => {
    const client = open("topics=ping", ["send_ping"]);
    await joined(client, "ping");
    expect(client.of("phx_reply")[0].data).toEqual({ topic: "ping", status: "ok", response: {} });

    const res = await publish(hello.base, API_KEY, { topic: "ping", event: "request_ping", payload: { from: "api" } });
    expect(res.status).toBeLessThan(300);
    await expect.poll(() => client.of("send_ping").length, WAIT).toBe(1);
    expect(client.of("send_ping")[0].data).toEqual({ topic: "ping", payload: { from: "api", from_node: "nonode@nohost" } });
  });

  it("answers endpoint.broadcast(ping, request_ping) the same way", async () => {
    const client = open("topics=ping", ["send_ping"]);
    await joined(client, "ping");
    await hello.endpoint.broadcast("ping", "request_ping", {});
    await expect.poll(() => client.of("send_ping").length, WAIT).toBe(1);
    expect(client.of("send_ping")[0].data).toEqual({ topic: "ping", payload: { from_node: "nonode@nohost" } });
    expect(client.source.readyState).toBe(client.source.OPEN);
  });

  it("reports an unmatched topic and still serves the others", async () => {
    const client = open("topics=nope,ping:lobby", ["send_ping"]);
    await joined(client, "ping:lobby");
    expect(client.of("phx_reply").find((e) => e.data.topic === "nope")?.data).toEqual({
      topic: "nope",
      status: "error",
      response: { reason: "unmatched topic" },
    });
    await hello.endpoint.broadcast("ping:lobby", "request_ping", {});
    await expect.poll(() => client.of("send_ping").map((e) => e.data.topic), WAIT).toEqual(["ping:lobby"]);
  });
});

describe("dupe over SSE", () => {
  it("pushes each distinct number once per window, in first-seen order", async () => {
    const client = open("topics=dupe", ["number"]);
    await joined(client, "dupe");
    await broadcastNumbers(hello.endpoint, [1, 2, 1, 3], 3);
    await expect.poll(() => client.of("number").length, WAIT).toBe(3);
    await sleep(DEDUPE_WINDOW_MS + 300);
    expect(client.of("number").map((e) => e.data)).toEqual([
      { topic: "dupe", payload: { value: 1 } },
      { topic: "dupe", payload: { value: 2 } },
      { topic: "dupe", payload: { value: 3 } },
    ]);
  });

  it("serves ping and dupe on one stream", async () => {
    const client = open("topics=ping,dupe", ["number", "send_ping"]);
    await joined(client, "ping");
    await joined(client, "dupe");
    await hello.endpoint.broadcast("dupe", "number", { number: 9 });
    await hello.endpoint.broadcast("ping", "request_ping", {});
    await expect.poll(() => client.events.filter((e) => e.type !== "phx_reply").length, WAIT).toBe(2);
    expect(client.of("number")[0].data.payload).toEqual({ value: 9 });
    expect(client.of("send_ping")[0].data.payload).toEqual({ from_node: "nonode@nohost" });
  });
});
