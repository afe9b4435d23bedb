// Channel payload schemas (`defineChannel({ schemas })`) over a real WebSocket, with zod.
import type { AddressInfo } from "node:net";
import { Endpoint, createLogger, defineChannel, defineSocket, error, ok } from "fenix";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { TestClient, terminateAll } from "./support/ws_client.js";

let endpoint: Endpoint;
let url: string;
let calls: { event: string; payload: unknown }[];

const Room = defineChannel({
  name: "Room",
  schemas: {
    phx_join: z.object({ token: z.string(), nick: z.string().default("anon") }),
    new_msg: z.object({ body: z.string().max(10) }),
    tagged: z.object({ meta: z.object({ tags: z.array(z.string()) }) }),
    count: z.object({ n: z.coerce.number().int() }).transform(({ n }) => ({ n, doubled: n * 2 })),
  },
  join(_topic, payload) {
    calls.push({ event: "phx_join", payload });
    return payload.token === "secret" ? ok({ nick: payload.nick }) : error({ reason: "unauthorized" });
  },
  handleIn(event, payload) {
    calls.push({ event, payload });
    return ok({ seen: payload });
  },
});

const Open = defineChannel({
  name: "Open",
  schemas: { new_msg: z.object({ body: z.string().max(10) }) },
  handleIn: {
    new_msg: (payload) => {
      calls.push({ event: "new_msg", payload });
      return ok({ seen: payload });
    },
    other: (payload) => {
      calls.push({ event: "other", payload });
      return ok({ seen: payload });
    },
  },
});

beforeEach(async () => {
  calls = [];
  endpoint = new Endpoint({ logger: createLogger({ level: "silent" }) });
  endpoint.socket(
    "/socket",
    defineSocket({
      channels: [
        ["room:*", Room],
        ["open:*", Open],
      ],
    }),
  );
  const server = await endpoint.listen(0);
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/socket/websocket?vsn=2.0.0`;
});

afterEach(async () => {
  terminateAll();
  await endpoint.close();
});

async function joinedRoom(): Promise<TestClient> {
  const client = await TestClient.open(url);
  client.push("1", "1", "room:a", "phx_join", { token: "secret" });
  await client.expectReply("1", "1", "room:a", "ok", { nick: "anon" });
  calls = [];
  return client;
}

type ErrorReply = [string, string, string, string, { status: string; response: { reason: string; errors: { path: string; message: string }[] } }];

describe("push schemas", () => {
  it("answers an invalid push with invalid_payload and its errors, and never runs the handler", async () => {
    const client = await joinedRoom();
    client.push("1", "2", "room:a", "new_msg", { body: "far more than ten characters" });
    const frame = await client.next();
    expect(frame.binary).toBe(false);
    const reply = (frame.binary ? [] : frame.json) as ErrorReply;
    expect(reply.slice(0, 4)).toEqual(["1", "2", "room:a", "phx_reply"]);
    expect(reply[4].status).toBe("error");
    expect(reply[4].response).toEqual({ reason: "invalid_payload", errors: [{ path: "body", message: expect.any(String) }] });
    expect(reply[4].response.errors[0].message.length).toBeGreaterThan(0);
    // Wrong type and missing field are refused the same way.
    client.push("1", "3", "room:a", "new_msg", { body: 42 });
    await client.expectReply("1", "3", "room:a", "error", { reason: "invalid_payload", errors: [{ path: "body", message: expect.any(String) }] });
    client.push("1", "4", "room:a", "new_msg", {});
    await client.expectReply("1", "4", "room:a", "error", { reason: "invalid_payload", errors: [{ path: "body", message: expect.any(String) }] });
    client.push("1", "5", "room:a", "new_msg", "just a string");
    await client.expectReply("1", "5", "room:a", "error", { reason: "invalid_payload", errors: [{ path: "", message: expect.any(String) }] });
    expect(calls).toEqual([]);
    // The channel is still joined and healthy.
    client.push("1", "6", "room:a", "new_msg", { body: "hi" });
    await client.expectReply("1", "6", "room:a", "ok", { seen: { body: "hi" } });
    expect(calls).toEqual([{ event: "new_msg", payload: { body: "hi" } }]);
  });

  it("hands the handler the parsed data: unknown keys stripped, transforms applied", async () => {
    const client = await joinedRoom();
    client.push("1", "2", "room:a", "new_msg", { body: "hello", admin: true });
    await client.expectReply("1", "2", "room:a", "ok", { seen: { body: "hello" } });
    client.push("1", "3", "room:a", "count", { n: "21" });
    await client.expectReply("1", "3", "room:a", "ok", { seen: { n: 21, doubled: 42 } });
    expect(calls).toEqual([
      { event: "new_msg", payload: { body: "hello" } },
      { event: "count", payload: { n: 21, doubled: 42 } },
    ]);
  });

  it("reports nested paths joined with dots, one entry per issue", async () => {
    const client = await joinedRoom();
    client.push("1", "2", "room:a", "tagged", { meta: { tags: ["a", 2, "c", false] } });
    await client.expectReply("1", "2", "room:a", "error", {
      reason: "invalid_payload",
      errors: [
        { path: "meta.tags.1", message: expect.any(String) },
        { path: "meta.tags.3", message: expect.any(String) },
      ],
    });
    expect(calls).toEqual([]);
  });

  it("keeps replies in arrival order across valid and invalid pushes", async () => {
    const client = await joinedRoom();
    client.push("1", "2", "room:a", "new_msg", { body: "one" });
    client.push("1", "3", "room:a", "new_msg", { body: "this is too long" });
    client.push("1", "4", "room:a", "new_msg", { body: "three" });
    await client.expectReply("1", "2", "room:a", "ok", { seen: { body: "one" } });
    await client.expectReply("1", "3", "room:a", "error", { reason: "invalid_payload", errors: [{ path: "body", message: expect.any(String) }] });
    await client.expectReply("1", "4", "room:a", "ok", { seen: { body: "three" } });
    expect(calls.map((c) => c.payload)).toEqual([{ body: "one" }, { body: "three" }]);
  });

  it("leaves events without a schema alone, payload untouched", async () => {
    const client = await TestClient.open(url);
    client.push("1", "1", "open:a", "phx_join", { anything: [1, 2, 3] });
    await client.expectReply("1", "1", "open:a", "ok", {});
    client.push("1", "2", "open:a", "other", { body: "far more than ten characters", extra: 1 });
    await client.expectReply("1", "2", "open:a", "ok", { seen: { body: "far more than ten characters", extra: 1 } });
    client.push("1", "3", "open:a", "new_msg", { body: "far more than ten characters" });
    await client.expectReply("1", "3", "open:a", "error", { reason: "invalid_payload", errors: [{ path: "body", message: expect.any(String) }] });
    expect(calls).toEqual([{ event: "other", payload: { body: "far more than ten characters", extra: 1 } }]);
  });
});

describe("join schema", () => {
  it("refuses an invalid join payload with invalid_payload, leaves no channel, and never runs join", async () => {
    const client = await TestClient.open(url);
    client.push("1", "1", "room:a", "phx_join", { nick: "x" });
    await client.expectReply("1", "1", "room:a", "error", {
      reason: "invalid_payload",
      errors: [{ path: "token", message: expect.any(String) }],
    });
    expect(calls).toEqual([]);
    const [connection] = [...endpoint.connections];
    expect(connection.channels.size).toBe(0);
    // No channel: a push to the topic is unmatched, and no phx_close or phx_error follows.
    client.push("1", "2", "room:a", "new_msg", { body: "hi" });
    await client.expectReply(null, "2", "room:a", "error", { reason: "unmatched topic" });
    await client.expectNoFrame();
    // A valid join afterwards goes through join() with the parsed payload (defaults filled in).
    client.push("3", "3", "room:a", "phx_join", { token: "secret", ignored: true });
    await client.expectReply("3", "3", "room:a", "ok", { nick: "anon" });
    expect(calls).toEqual([{ event: "phx_join", payload: { token: "secret", nick: "anon" } }]);
    expect(connection.channels.size).toBe(1);
  });

  it("an invalid rejoin of a joined topic ends the old channel and leaves none", async () => {
    const client = await joinedRoom();
    const [connection] = [...endpoint.connections];
    client.push("2", "2", "room:a", "phx_join", { token: 7 });
    const frames = [await client.next(), await client.next()].map((f) => (f.binary ? null : f.json));
    // The refusal and the old channel's phx_close, in either order.
    expect(frames).toEqual(
      expect.arrayContaining([
        [
          "2",
          "2",
          "room:a",
          "phx_reply",
          { status: "error", response: { reason: "invalid_payload", errors: [{ path: "token", message: expect.any(String) }] } },
        ],
        ["1", "1", "room:a", "phx_close", {}],
      ]),
    );
    expect(connection.channels.size).toBe(0);
    expect(calls).toEqual([]);
  });

  it("a join refused by join() itself is still answered with its own reason", async () => {
    const client = await TestClient.open(url);
    client.push("1", "1", "room:a", "phx_join", { token: "wrong" });
    await client.expectReply("1", "1", "room:a", "error", { reason: "unauthorized" });
    expect(calls).toEqual([{ event: "phx_join", payload: { token: "wrong", nick: "anon" } }]);
  });
});
