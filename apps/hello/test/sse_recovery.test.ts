// Last-Event-ID recovery with the `eventsource` npm client: the server cuts the stream (a
// disconnect-by-id), messages are published while the client is away, and the client's own
// reconnect (after the `retry:` delay, with Last-Event-ID) replays exactly what it missed.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listen, startHistoryApp } from "./support/sse.js";
import type { HistoryApp, Listener } from "./support/sse.js";

const WAIT = { timeout: 5_000, interval: 20 };
let app: HistoryApp;
const listeners: Listener[] = [];

beforeEach(async () => {
  app = await startHistoryApp(200);
});

afterEach(async () => {
  for (const l of listeners.splice(0)) l.source.close();
  await app.stop();
});

function open(query: string): Listener {
  const listener = listen(`${app.base}/socket/sse?${query}`, ["phx_reply", "news"]);
  listeners.push(listener);
  return listener;
}

function decode(id: string): Record<string, string> {
  return JSON.parse(Buffer.from(id, "base64url").toString("utf8"));
}

describe("eventsource (npm) resuming after a server-side disconnect", () => {
  it("replays what was published while it was away, once each, in order", async () => {
    const client = open("topics=news:1&reader=ann");
    await expect.poll(() => client.of("phx_reply").length, WAIT).toBe(1);
    const epoch = client.of("phx_reply")[0].data.response.epoch as string;
    for (const n of [1, 2]) await app.endpoint.broadcast("news:1", "news", { n });
    await expect.poll(() => client.of("news").length, WAIT).toBe(2);
    expect(client.of("news").map((e) => e.lastEventId)).toEqual([`${epoch}:1`, `${epoch}:2`]);

    await app.endpoint.broadcast("reader:ann", "disconnect", {});
    for (const n of [3, 4]) await app.endpoint.broadcast("news:1", "news", { n });
    await expect.poll(() => client.of("phx_reply").length, WAIT).toBe(2);
    expect(client.of("phx_reply")[1].data.response).toEqual({ epoch, offset: 4, recovered: true });
    await app.endpoint.broadcast("news:1", "news", { n: 5 });

    await expect.poll(() => client.of("news").length, WAIT).toBe(5);
    expect(client.of("news").map((e) => e.data.payload.n)).toEqual([1, 2, 3, 4, 5]);
    expect(client.opens).toBe(2);
    expect(app.lastEventIds).toEqual([undefined, `${epoch}:2`]);
  });

  it("resumes every topic of a multi-topic stream from its one combined id", async () => {
    const client = open("topics=news:a,news:b&reader=bob");
    await expect.poll(() => client.of("phx_reply").length, WAIT).toBe(2);
    await app.endpoint.broadcast("news:a", "news", { n: 1 });
    await app.endpoint.broadcast("news:b", "news", { n: 2 });
    await expect.poll(() => client.of("news").length, WAIT).toBe(2);
    const lastId = client.of("news")[1].lastEventId;
    expect(Object.keys(decode(lastId))).toEqual(["news:a", "news:b"]);

    await app.endpoint.broadcast("reader:bob", "disconnect", {});
    await app.endpoint.broadcast("news:b", "news", { n: 3 });
    await app.endpoint.broadcast("news:a", "news", { n: 4 });
    await expect.poll(() => client.of("news").length, WAIT).toBe(4);
    // Each topic replays its own missed messages; across topics the join order decides.
    expect(client.of("news").map((e) => [e.data.topic, e.data.payload.n])).toEqual([
      ["news:a", 1],
      ["news:b", 2],
      ["news:a", 4],
      ["news:b", 3],
    ]);
    expect(app.lastEventIds).toEqual([undefined, lastId]);
    expect(
      client
        .of("phx_reply")
        .slice(2)
        .map((e) => e.data.response.recovered),
    ).toEqual([true, true]);
  });
});
