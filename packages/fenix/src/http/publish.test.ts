import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "../util/log.js";
import type { BroadcastMessage } from "../pubsub/adapter.js";
import { PubSub } from "../pubsub/pubsub.js";
import { PublishApi } from "./publish.js";

const KEY = "s3cret-api-key";

let server: Server;
let url: string;
let pubsub: PubSub;
let received: BroadcastMessage[];

async function start(maxBodyBytes?: number): Promise<void> {
  pubsub = new PubSub("test");
  received = [];
  pubsub.subscribe("room:1", { deliver: (m) => received.push({ ...m }) });
  const api = new PublishApi({ apiKey: KEY, maxBodyBytes }, pubsub, createLogger({ level: "silent" }));
  server = createServer((req, res) => {
    void api.handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${api.path}`;
}

beforeEach(() => start());

afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function post(body: string | object, auth: string | null = `Bearer ${KEY}`, method = "POST") {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (auth !== null) headers.authorization = auth;
  const res = await fetch(url, {
    method,
    headers,
    body: method === "GET" ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
}

const good = { topic: "room:1", event: "new_msg", payload: { body: "hi" } };

describe("PublishApi", () => {
  it("defaults to /api/broadcast and refuses an empty key", () => {
    expect(new URL(url).pathname).toBe("/api/broadcast");
    expect(() => new PublishApi({ apiKey: "" }, new PubSub("x"), createLogger({ level: "silent" }))).toThrow(/apiKey/);
  });

  it("publishes: 200 {ok:true} and subscribers receive {topic,event,payload}", async () => {
    const res = await post(good);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ ok: true });
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(received).toEqual([good]);
  });

  it("defaults an omitted payload to {}", async () => {
    const res = await post({ topic: "room:1", event: "ping" });
    expect(res.status).toBe(200);
    expect(received).toEqual([{ topic: "room:1", event: "ping", payload: {} }]);
  });

  it("accepts a lowercase bearer scheme", async () => {
    expect((await post(good, `bearer ${KEY}`)).status).toBe(200);
  });

  it.each([
    ["no Authorization header", null],
    ["a wrong key", "Bearer nope"],
    ["a key that only shares a prefix", `Bearer ${KEY}x`],
    ["the wrong scheme", `Basic ${KEY}`],
    ["a bare key", KEY],
    ["an empty bearer", "Bearer "],
  ])("401 with %s", async (_what, auth) => {
    const res = await post(good, auth);
    expect(res.status).toBe(401);
    expect(res.json.error).toMatch(/API key/);
    expect(received).toEqual([]);
  });

  it("405 on GET with Allow: POST", async () => {
    const res = await post("", `Bearer ${KEY}`, "GET");
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
    expect(received).toEqual([]);
  });

  it.each([
    ["bad JSON", "{topic:"],
    ["an empty body", ""],
    ["a non-object (array)", "[1,2]"],
    ["a non-object (string)", '"x"'],
    ["null", "null"],
    ["an empty topic", { topic: "", event: "e", payload: {} }],
    ["a missing topic", { event: "e", payload: {} }],
    ["a non-string topic", { topic: 1, event: "e" }],
    ["a non-string event", { topic: "room:1", event: 5, payload: {} }],
    ["an empty event", { topic: "room:1", event: "", payload: {} }],
    ["an array payload", { topic: "room:1", event: "e", payload: [1] }],
    ["a null payload", { topic: "room:1", event: "e", payload: null }],
    ["a string payload", { topic: "room:1", event: "e", payload: "x" }],
  ])("400 with %s", async (_what, body) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(typeof res.json.error).toBe("string");
    expect(received).toEqual([]);
  });

  it("413 beyond maxBodyBytes; a body at the limit passes", async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await start(100);
    const small = JSON.stringify({ topic: "room:1", event: "e", payload: { p: "" } });
    const exact = JSON.stringify({ topic: "room:1", event: "e", payload: { p: "x".repeat(100 - small.length) } });
    expect(Buffer.byteLength(exact)).toBe(100);
    expect((await post(exact)).status).toBe(200);
    const res = await post({ topic: "room:1", event: "e", payload: { p: "x".repeat(200) } });
    expect(res.status).toBe(413);
    expect(received).toHaveLength(1);
  });

  it("413 for a large body with the default 1 MiB limit", async () => {
    const res = await post({ topic: "room:1", event: "e", payload: { p: "x".repeat(1024 * 1024 + 10) } });
    expect(res.status).toBe(413);
    expect(received).toEqual([]);
  });

  it("503 when the broadcast fails", async () => {
    const failing = new PubSub("x", {
      start: () => {},
      publish: () => Promise.reject(new Error("down")),
      directPublish: () => Promise.resolve(),
      stop: () => {},
    });
    const api = new PublishApi({ apiKey: KEY }, failing, createLogger({ level: "silent" }));
    server.removeAllListeners("request");
    server.on("request", (req, res) => void api.handle(req, res));
    expect((await post(good)).status).toBe(503);
  });
});
