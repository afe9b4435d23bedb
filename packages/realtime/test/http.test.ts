import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { client, closeClients, inbox, name, startNode, subscribed, token } from "./support.js";
import type { Node } from "./support.js";

let node: Node;
let apikey: string;

beforeAll(async () => {
  node = await startNode({ limits: { maxPayloadBytes: 1024 } });
  apikey = await token();
});
afterEach(closeClients);
afterAll(() => node.endpoint.close());

function post(path: string, body: string | Uint8Array, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${node.http}${path}`, { method: "POST", body, headers: { "content-type": "application/json", ...headers } });
}

describe("HTTP broadcast", () => {
  it("POST /api/broadcast: 202, and every message reaches the subscribers", async () => {
    const topic = name();
    const got = inbox();
    await subscribed(
      client(node.url, apikey)
        .channel(topic)
        .on("broadcast", { event: "*" }, (m) => got.push(m)),
    );
    const res = await post(
      "/api/broadcast",
      JSON.stringify({
        messages: [
          { topic, event: "one", payload: { n: 1 } },
          { topic, event: "two", payload: { n: 2 }, private: false },
        ],
      }),
      { apikey },
    );
    expect(res.status).toBe(202);
    expect(await got.next()).toEqual({ type: "broadcast", event: "one", payload: { n: 1 } });
    expect(await got.next()).toEqual({ type: "broadcast", event: "two", payload: { n: 2 } });
  });

  it("POST /api/broadcast/<topic>/events/<event>: JSON and binary, through the client's httpSend", async () => {
    const topic = name();
    const got = inbox();
    await subscribed(
      client(node.url, apikey)
        .channel(topic)
        .on("broadcast", { event: "*" }, (m) => got.push(m)),
    );
    const sender = client(node.url, apikey).channel(topic);
    expect(await sender.httpSend("json", { hello: "world" })).toEqual({ success: true });
    expect(await got.next()).toEqual({ type: "broadcast", event: "json", payload: { hello: "world" } });
    expect(await sender.httpSend("bin", new Uint8Array([1, 2, 3]))).toEqual({ success: true });
    const binary = await got.next();
    expect(binary.event).toBe("bin");
    expect([...new Uint8Array(binary.payload)]).toEqual([1, 2, 3]);
  });

  it("send() on a channel that is not joined falls back to the batch endpoint", async () => {
    const topic = name();
    const got = inbox();
    await subscribed(
      client(node.url, apikey)
        .channel(topic)
        .on("broadcast", { event: "rest" }, (m) => got.push(m)),
    );
    const idle = client(node.url, apikey, { logger: () => {} }).channel(topic);
    expect(await idle.send({ type: "broadcast", event: "rest", payload: { via: "http" } })).toBe("ok");
    expect(await got.next()).toEqual({ type: "broadcast", event: "rest", payload: { via: "http" } });
  });

  it("private messages need the hook's permission for the bearer's claims", async () => {
    const got = inbox();
    const alice = client(node.url, apikey);
    const aliceToken = await token({ sub: "alice" });
    await alice.setAuth(aliceToken);
    await subscribed(alice.channel("private-alice", { config: { private: true } }).on("broadcast", { event: "*" }, (m) => got.push(m)));
    const body = JSON.stringify({ messages: [{ topic: "private-alice", event: "note", payload: { n: 1 }, private: true }] });
    const bob = await post("/api/broadcast", body, { apikey, authorization: `Bearer ${await token({ sub: "bob" })}` });
    expect(bob.status).toBe(403);
    expect(await bob.json()).toEqual({ error: "not authorized to broadcast on the private channel private-alice" });
    expect((await post("/api/broadcast", body, { apikey, authorization: `Bearer ${aliceToken}` })).status).toBe(202);
    expect(await got.next()).toEqual({ type: "broadcast", event: "note", payload: { n: 1 } });
    expect(got.items).toHaveLength(1);
  });

  it("answers bad requests clearly", async () => {
    const good = JSON.stringify({ messages: [{ topic: "t", event: "e", payload: {} }] });
    const unauthorized = await post("/api/broadcast", good);
    expect(unauthorized.status).toBe(401);
    expect(await unauthorized.json()).toEqual({ message: "Unauthorized" });
    expect((await post("/api/broadcast", good, { apikey: "garbage" })).status).toBe(401);
    const notJson = await post("/api/broadcast", "{", { apikey });
    expect([notJson.status, await notJson.json()]).toEqual([400, { error: "the body is not JSON" }]);
    const noEvent = await post("/api/broadcast", JSON.stringify({ messages: [{ topic: "t", payload: {} }] }), { apikey });
    expect([noEvent.status, await noEvent.json()]).toEqual([422, { error: "messages[0].event must be a non-empty string" }]);
    const empty = await post("/api/broadcast", JSON.stringify({ messages: [] }), { apikey });
    expect([empty.status, await empty.json()]).toEqual([422, { error: "messages must be a non-empty array" }]);
    const big = await post("/api/broadcast", JSON.stringify({ messages: [{ topic: "t", event: "e", payload: { s: "x".repeat(2000) } }] }), { apikey });
    expect(big.status).toBe(422);
    const text = await post("/api/broadcast/t/events/e", "hi", { apikey, "content-type": "text/plain" });
    expect(text.status).toBe(415);
    const get = await fetch(`${node.http}/api/broadcast`, { headers: { apikey } });
    expect(get.status).toBe(405);
    const preflight = await fetch(`${node.http}/api/broadcast`, { method: "OPTIONS" });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
  });
});
