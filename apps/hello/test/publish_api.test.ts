// POST /api/broadcast: the HTTP stand-in for iex's `Endpoint.broadcast/3` in the book's demos.
import { sign } from "fenix";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TOKEN_SALT } from "../src/app.js";
import { API_KEY, SECRET, startHello } from "./support/hello.js";
import type { Hello } from "./support/hello.js";
import { publish } from "./support/http.js";
import { joinFrame, reply } from "./support/wire.js";
import type { WireClient } from "./support/wire.js";

let hello: Hello;
let ws: WireClient;

beforeEach(async () => {
  hello = await startHello();
  ws = await hello.connect();
  expect(await ws.request(joinFrame("1", "ping"))).toEqual(reply("1", "1", "ping", "ok", {}));
});

afterEach(async () => {
  await hello.stop();
});

const GOOD = { topic: "ping", event: "test", payload: { data: "test" } };

async function post(body: BodyInit, headers: Record<string, string>): Promise<Response> {
  return fetch(`${hello.base}/api/broadcast`, { method: "POST", headers, body, signal: AbortSignal.timeout(2_000) });
}

describe("authorization", () => {
  it("answers 401 without an Authorization header and delivers nothing", async () => {
    const res = await publish(hello.base, null, GOOD);
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.json).toEqual({ error: expect.any(String) });
    await ws.expectNone(200);
  });

  it("answers 401 with a wrong key, a key prefix, or another scheme", async () => {
    for (const authorization of ["Bearer wrong", `Bearer ${API_KEY.slice(0, -1)}`, `Bearer ${API_KEY}x`, `Basic ${API_KEY}`, API_KEY, "Bearer "]) {
      const res = await post(JSON.stringify(GOOD), { authorization, "content-type": "application/json" });
      expect(res.status, authorization).toBe(401);
      await res.text();
    }
    await ws.expectNone(200);
  });

  it("checks the key before the body: a malformed body with a wrong key is 401", async () => {
    const res = await publish(hello.base, "wrong", "{not json");
    expect(res.status).toBe(401);
  });
});

describe("validation", () => {
  it.each([
    ["malformed JSON", "{not json"],
    ["an empty body", ""],
    ["a JSON array", "[]"],
    ["a JSON string", '"ping"'],
    ["a missing topic", JSON.stringify({ event: "test", payload: {} })],
    ["an empty topic", JSON.stringify({ topic: "", event: "test", payload: {} })],
    ["a non-string topic", JSON.stringify({ topic: 1, event: "test", payload: {} })],
    ["a missing event", JSON.stringify({ topic: "ping", payload: {} })],
    ["an array payload", JSON.stringify({ topic: "ping", event: "test", payload: [1] })],
    ["a string payload", JSON.stringify({ topic: "ping", event: "test", payload: "x" })],
    ["a null payload", JSON.stringify({ topic: "ping", event: "test", payload: null })],
    ["a number payload", JSON.stringify({ topic: "ping", event: "test", payload: 3 })],
  ])("answers 400 for %s and delivers nothing", async (_name, body) => {
    const res = await publish(hello.base, API_KEY, body);
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: expect.any(String) });
    await ws.expectNone(150);
  });

  it("answers 405 with Allow: POST to GET and PUT", async () => {
    const get = await fetch(`${hello.base}/api/broadcast`, { headers: { authorization: `Bearer ${API_KEY}` }, signal: AbortSignal.timeout(2_000) });
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
    await get.text();
    const put = await fetch(`${hello.base}/api/broadcast`, {
      method: "PUT",
      headers: { authorization: `Bearer ${API_KEY}` },
      body: JSON.stringify(GOOD),
      signal: AbortSignal.timeout(2_000),
    });
    expect(put.status).toBe(405);
    await put.text();
    await ws.expectNone(150);
  });

  it("answers 413 for a body over 1 MiB", async () => {
    const big = JSON.stringify({ topic: "ping", event: "test", payload: { blob: "x".repeat(1024 * 1024 + 10) } });
    const res = await post(big, { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" });
    expect(res.status).toBe(413);
    await res.text();
    await ws.expectNone(150);
  });
});

describe("delivery", () => {
  it("answers 200 {ok: true} and delivers the broadcast exactly once", async () => {
    const res = await publish(hello.base, API_KEY, GOOD);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ ok: true });
    expect(await ws.next()).toEqual([null, null, "ping", "test", { data: "test" }]);
    await ws.expectNone(200);
  });

  it("accepts a lower-case bearer scheme and an omitted payload", async () => {
    const res = await post(JSON.stringify({ topic: "ping", event: "bare" }), { authorization: `bearer ${API_KEY}` });
    expect(res.status).toBe(200);
    await res.text();
    expect(await ws.next()).toEqual([null, null, "ping", "bare", {}]);
  });

  it("answers 200 for a topic nobody joined, delivering nothing", async () => {
    const res = await publish(hello.base, API_KEY, { topic: "nobody", event: "test", payload: {} });
    expect(res.status).toBe(200);
    await ws.expectNone(200);
  });

  it("preserves unicode and nested payloads byte for byte", async () => {
    const payload = { text: "héllo 🐦 \u2028", nested: { a: [1.5, true, null, { b: "c" }] } };
    await publish(hello.base, API_KEY, { topic: "ping", event: "test", payload });
    expect(await ws.next()).toEqual([null, null, "ping", "test", payload]);
  });

  it('can disconnect a socket by id, like Endpoint.broadcast(id, "disconnect", %{})', async () => {
    const auth = await hello.connect(`vsn=2.0.0&token=${sign(SECRET, TOKEN_SALT, 7)}`, "/auth_socket");
    const res = await publish(hello.base, API_KEY, { topic: "auth_socket:7", event: "disconnect", payload: {} });
    expect(res.status).toBe(200);
    expect((await auth.waitClose()).code).toBe(1001);
  });
});
