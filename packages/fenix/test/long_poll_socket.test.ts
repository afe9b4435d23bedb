// Conformance section C, the connection-level cases (LP-01, LP-10, LP-11, LP-15, LP-17..LP-24)
// from Phoenix's long_poll_socket_test.exs and long_poll.ex. Where Phoenix uses a raw transport
// socket (LP-17/18/19) the same property is observed through a ProbeSocket channel, as the
// WebSocket tests do: its join reply shows the params connect saw.
import { captureLog } from "fenix/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LongPollClient, expectEnvelope, request } from "./support/lp_client.js";
import { V1, V2 } from "./support/protocol.js";
import type { Proto } from "./support/protocol.js";
import { startReferenceApp } from "./support/reference_app.js";
import type { ReferenceApp } from "./support/reference_app.js";

let app: ReferenceApp;

beforeEach(async () => {
  app = await startReferenceApp({ variant: "longpoll" });
});

afterEach(async () => {
  await app.close();
});

function client(path = "/ws/longpoll", query: Record<string, string> = {}, proto: Proto = V2): LongPollClient {
  return new LongPollClient((p, q, pr) => app.http(p, q, pr), path, proto, query);
}

/** Joins a probe topic and returns the join reply's response (the params connect saw). */
async function probe(c: LongPollClient, topic = "probe:params"): Promise<unknown> {
  await c.send([["1", "1", topic, "phx_join", {}]]);
  const [reply] = (await c.receive(1)) as [unknown[]];
  expect(reply.slice(0, 4)).toStrictEqual(["1", "1", topic, "phx_reply"]);
  return (reply[4] as { response: unknown }).response;
}

describe("long-poll connection (section C)", () => {
  it("LP-01 a GET without a token opens a session: 410, a token, no messages", async () => {
    const res = await request(app.http("/ws/longpoll"));
    expectEnvelope(res);
    expect(res.body).toStrictEqual({ status: 410, token: expect.any(String), messages: [] });
  });

  it("LP-01 also for V1 (no vsn)", async () => {
    const c = client("/ws/longpoll", {}, V1);
    await c.open();
    await c.join("room:v1", null, "1");
  });

  it("LP-10 refuses connects that error with {status: 403}", async () => {
    for (const query of [{ reject: "true" }, { custom_error: "true" }, { ratelimit: "true" }] as Record<string, string>[]) {
      const res = await request(app.http("/ws/longpoll", query));
      expectEnvelope(res);
      expect(res.body).toStrictEqual({ status: 403 });
    }
  });

  it("LP-11 accepts allowed origins and refuses the others with {status: 403}", async () => {
    const allowed = await request(app.http("/ws/longpoll"), { headers: { origin: "https://example.com" } });
    expect(allowed.body).toMatchObject({ status: 410 });
    let refused: Awaited<ReturnType<typeof request>> | undefined;
    const log = await captureLog(async () => {
      refused = await request(app.http("/ws/longpoll"), { headers: { origin: "http://notallowed.com" } });
    });
    expectEnvelope(refused as Awaited<ReturnType<typeof request>>);
    expect(refused?.body).toStrictEqual({ status: 403 });
    expect(log).toContain("origin http://notallowed.com is not allowed");
  });

  it("LP-11 checks the origin of POSTs and preflights too", async () => {
    const c = client();
    await c.open();
    const post = await c.post('[null,"1","phoenix","heartbeat",{}]', { headers: { origin: "http://notallowed.com" } });
    expect(post.body).toStrictEqual({ status: 403 });
    const options = await request(app.http("/ws/longpoll"), { method: "OPTIONS", headers: { origin: "http://notallowed.com" } });
    expect(options.body).toStrictEqual({ status: 403 });
  });

  it("LP-15 refuses non-matching versions, and says why in the log", async () => {
    let res: Awaited<ReturnType<typeof request>> | undefined;
    const log = await captureLog(async () => {
      res = await request(app.http("/ws/longpoll", "vsn=123.1.1"), { headers: { origin: "https://example.com" } });
    });
    expect(res?.body).toStrictEqual({ status: 403 });
    expect(log).toContain('requested transport version "123.1.1" does not match');
  });

  it("LP-17 query params reach connect, and replies come back as frame strings", async () => {
    const c = client("/ws/raw/longpoll", { hello: "world" });
    await c.open();
    expect(await probe(c)).toStrictEqual({ params: { hello: "world", vsn: "2.0.0" }, auth_token: null });
  });

  it("LP-18 delivers a push the server sends later, outside any request (pong after ping)", async () => {
    const c = client("/ws/raw/longpoll");
    await c.open();
    await probe(c, "probe:ping");
    await c.send([["1", "2", "probe:ping", "ping", {}]]);
    await c.expectMessages([["1", null, "probe:ping", "pong", {}]]);
  });

  it("LP-19 allows a path with variables, which reach connect as params", async () => {
    const c = client("/custom/123/456/path", { key: "value" });
    await c.open();
    expect(await probe(c)).toStrictEqual({ params: { key: "value", socket_var: "123", path_var: "456", vsn: "2.0.0" }, auth_token: null });
  });

  it("LP-20 accepts the token from the x-phoenix-longpoll-token header", async () => {
    const c = client();
    const token = await c.open();
    const header = { "x-phoenix-longpoll-token": token };
    await c.send([["1", "1", "room:lobby", "phx_join", {}]], { token: null, headers: header });
    const got = await c.receive(3, { token: null, headers: header });
    expect((got as unknown[][]).map((m) => m[3])).toStrictEqual(["phx_reply", "user_entered", "joined"]);
  });

  it("LP-21 the header takes precedence over a stale token param", async () => {
    const c = client();
    const token = await c.open();
    const res = await c.post('[null,"1","phoenix","heartbeat",{}]', { token: "bogus", headers: { "x-phoenix-longpoll-token": token } });
    expect(res.body).toStrictEqual({ status: 200 });
    await c.expectMessages([[null, "1", "phoenix", "phx_reply", { status: "ok", response: {} }]]);
  });

  it("LP-22 responses are never cached", async () => {
    const c = client();
    await c.open();
    const res = await c.get();
    expect(res.headers.get("cache-control")).toBe("no-store");
  });

  it("LP-23 answers a CORS preflight", async () => {
    const res = await request(app.http("/ws/longpoll"), {
      method: "OPTIONS",
      headers: { "access-control-request-headers": "content-type, x-phoenix-authtoken" },
    });
    expect(res.http).toBe(200);
    expect(res.text).toBe("");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-allow-headers")).toBe("content-type, x-phoenix-authtoken");
    expect(res.headers.get("access-control-allow-methods")).toBe("get, post, options");
    expect(res.headers.get("access-control-max-age")).toBe("3600");
  });

  it("LP-24 answers other methods with 400 and an empty body", async () => {
    for (const method of ["PUT", "DELETE", "PATCH"]) {
      const res = await request(app.http("/ws/longpoll"), { method, body: method === "DELETE" ? undefined : "x" });
      expect(res.http).toBe(400);
      expect(res.text).toBe("");
    }
  });

  it("passes X-Phoenix-AuthToken to connect, only when the session is created", async () => {
    const c = client("/ws/auth/longpoll");
    await c.open({ headers: { "x-phoenix-authtoken": "tok" } });
    expect(await probe(c)).toStrictEqual({ params: { vsn: "2.0.0" }, auth_token: "tok" });
  });

  it("a GET with a tampered token or a token of another mount gets a new session; a POST gets 410", async () => {
    const c = client();
    const token = await c.open();
    for (const [path, bad] of [
      ["/ws/longpoll", `${token.slice(0, -2)}xx`],
      ["/ws/longpoll", "not-a-token"],
      ["/ws/admin/longpoll", token],
    ]) {
      const other = client(path);
      const get = await other.get({ token: bad });
      expect(get.body).toStrictEqual({ status: 410, token: expect.any(String), messages: [] });
      expect(get.body.token).not.toBe(token);
      const post = await other.post('[null,"1","phoenix","heartbeat",{}]', { token: bad });
      expect(post.body).toStrictEqual({ status: 410 });
    }
  });

  it("answers heartbeats (phoenix.js skips them over long-poll, other clients may not)", async () => {
    const c = client();
    await c.open();
    await c.send([[null, "7", "phoenix", "heartbeat", {}]]);
    await c.expectMessages([[null, "7", "phoenix", "phx_reply", { status: "ok", response: {} }]]);
  });

  it("an unknown mount has no long-poll route", async () => {
    const res = await request(app.http("/nowhere/longpoll"));
    expect(res.http).toBe(404);
  });
});
