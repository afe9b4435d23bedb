// Payload validation through Standard Schema (standardschema.dev) with schemas written by hand —
// no library, just the `~standard` object — then the same with zod 4, which implements it. Driven
// with the channel test kit; the types the schemas infer for handlers are checked by tsc (below).
import { Endpoint, createLogger, defineChannel, defineSocket, error, ok } from "fenix";
import type { PayloadOf, StandardSchemaV1 } from "fenix";
import { channelTest, partial } from "fenix/testing";
import type { ChannelTest, TestChannel } from "fenix/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";

// ---- hand-written Standard Schemas ----------------------------------------------------------

type Issue = { message: string; path?: ReadonlyArray<PropertyKey | { key: PropertyKey }> };
type Result<O> = { value: O; issues?: undefined } | { issues: Issue[] };

/** A Standard Schema from a validate function: what any schema library hands Fenix. */
function schema<O>(validate: (value: unknown) => Result<O> | Promise<Result<O>>): StandardSchemaV1<unknown, O> {
  return { "~standard": { version: 1, vendor: "test", validate } };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** `{ body: string }`, trimmed; the issue's path segment is given as `{ key: "body" }`. */
const Message = schema<{ body: string }>((value) => {
  if (!isObject(value) || typeof value.body !== "string") return { issues: [{ message: "body must be a string", path: [{ key: "body" }] }] };
  const body = value.body.trim();
  if (body === "") return { issues: [{ message: "body must not be blank", path: [{ key: "body" }] }] };
  return { value: { body } };
});

/** `{ n: number }`, checked asynchronously (as a schema that asks a service would). */
const Slow = schema<{ n: number; checked: true }>(
  (value) =>
    new Promise((resolve) => {
      setTimeout(() => {
        if (isObject(value) && typeof value.n === "number") resolve({ value: { n: value.n, checked: true } });
        else resolve({ issues: [{ message: "n must be a number", path: ["n"] }] });
      }, 20);
    }),
);

/** Mixed path segments are joined with dots: `meta.tags.1`. */
const Tagged = schema<{ meta: { tags: string[] } }>((value) => {
  const tags = isObject(value) && isObject(value.meta) ? value.meta.tags : undefined;
  if (!Array.isArray(tags)) return { issues: [{ message: "tags must be an array", path: ["meta", { key: "tags" }] }] };
  const bad = tags.findIndex((tag) => typeof tag !== "string");
  if (bad !== -1) return { issues: [{ message: "each tag must be a string", path: ["meta", { key: "tags" }, bad] }] };
  return { value: { meta: { tags: tags as string[] } } };
});

/** Join payloads: `{ token: string }`; two issues at once, one without a path. */
const JoinParams = schema<{ token: string }>((value) => {
  if (isObject(value) && typeof value.token === "string") return { value: { token: value.token } };
  return { issues: [{ message: "token is required", path: ["token"] }, { message: "join payload is invalid" }] };
});

// ---- the channels ---------------------------------------------------------------------------

let calls: { event: string; payload: unknown }[] = [];

const Room = defineChannel({
  name: "Room",
  schemas: { phx_join: JoinParams, msg: Message, slow: Slow, tagged: Tagged },
  join(_topic, payload) {
    calls.push({ event: "phx_join", payload });
    const token: string = payload.token;
    // @ts-expect-error the join payload is inferred from the phx_join schema: token is a string
    const wrongToken: number = payload.token;
    void wrongToken;
    return token === "secret" ? ok({ welcome: true }) : error({ reason: "unauthorized" });
  },
  handleIn: {
    msg(payload) {
      calls.push({ event: "msg", payload });
      const body: string = payload.body;
      return ok({ body });
    },
    slow(payload) {
      calls.push({ event: "slow", payload });
      const n: number = payload.n;
      return ok({ n, checked: payload.checked });
    },
    tagged(payload) {
      calls.push({ event: "tagged", payload });
      return ok({ count: payload.meta.tags.length });
    },
    // No schema: the payload reaches the handler as sent.
    raw(payload) {
      calls.push({ event: "raw", payload });
      return ok({ raw: payload });
    },
  },
});

const zodMessage = z.object({ body: z.string().trim().min(1), tags: z.array(z.string()).default([]) });

const ZodRoom = defineChannel({
  name: "ZodRoom",
  schemas: {
    phx_join: z.object({ token: z.literal("secret") }),
    msg: zodMessage,
    // An async refinement makes zod's Standard Schema validate return a promise.
    slow: zodMessage.refine(
      async (value) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return value.body !== "forbidden";
      },
      { message: "this body is forbidden", path: ["body"] },
    ),
  },
  handleIn: {
    msg(payload, _socket) {
      calls.push({ event: "msg", payload });
      const s: string = payload.body;
      const tags: string[] = payload.tags;
      // @ts-expect-error body is inferred as a string from the zod schema, so it is no number
      const wrong: number = payload.body;
      void wrong;
      return ok({ body: s, tags });
    },
    slow(payload) {
      calls.push({ event: "slow", payload });
      return ok({ body: payload.body });
    },
  },
});

// The payload type a schema gives an event, as handlers should see it.
type ZodMessagePayload = PayloadOf<{ msg: typeof zodMessage }, "msg">;
const typedPayload: ZodMessagePayload = { body: "x", tags: [] };
// @ts-expect-error body must be a string
const wrongPayload: ZodMessagePayload = { body: 1, tags: [] };
void [typedPayload, wrongPayload];

const UserSocket = defineSocket({
  name: "UserSocket",
  channels: [
    ["room:*", Room],
    ["zod:*", ZodRoom],
  ],
});

let endpoint: Endpoint;
let t: ChannelTest;

beforeEach(() => {
  calls = [];
  endpoint = new Endpoint({ logger: createLogger({ level: "silent" }) });
  t = channelTest({ endpoint });
});

afterEach(async () => {
  await t.cleanup();
  await endpoint.close();
});

async function joined(topic: string, payload: unknown = { token: "secret" }): Promise<TestChannel> {
  const result = await t.join(t.socket(UserSocket), topic, payload);
  if (!result.ok) throw new Error(`join of ${topic} refused: ${JSON.stringify(result.reply)}`);
  calls = [];
  return result.channel;
}

const invalid = (...errors: { path: string; message: string }[]) => ({ reason: "invalid_payload", errors });

describe("hand-written Standard Schemas", () => {
  it("hands the schema's output to the handler: the handler sees the trimmed value", async () => {
    const channel = await joined("room:1");
    const ref = t.push(channel, "msg", { body: "  hello  ", extra: "dropped" });
    await t.assertReply(ref, "ok", { body: "hello" });
    expect(calls).toEqual([{ event: "msg", payload: { body: "hello" } }]);
  });

  it("answers an invalid payload with invalid_payload and its errors; the handler never runs", async () => {
    const channel = await joined("room:1");
    const notString = t.push(channel, "msg", { body: 42 });
    await t.assertReply(notString, "error", invalid({ path: "body", message: "body must be a string" }));
    const blank = t.push(channel, "msg", { body: "   " });
    await t.assertReply(blank, "error", invalid({ path: "body", message: "body must not be blank" }));
    expect(calls).toEqual([]);
    // The channel is still there: a valid push works afterwards.
    const good = t.push(channel, "msg", { body: "ok" });
    await t.assertReply(good, "ok", { body: "ok" });
    await t.refutePush("phx_error");
  });

  it("joins path segments, keys given as strings, { key } objects or numbers, with dots", async () => {
    const channel = await joined("room:1");
    const missing = t.push(channel, "tagged", { meta: {} });
    await t.assertReply(missing, "error", invalid({ path: "meta.tags", message: "tags must be an array" }));
    const badTag = t.push(channel, "tagged", { meta: { tags: ["a", 2] } });
    await t.assertReply(badTag, "error", invalid({ path: "meta.tags.1", message: "each tag must be a string" }));
    const good = t.push(channel, "tagged", { meta: { tags: ["a", "b"] } });
    await t.assertReply(good, "ok", { count: 2 });
    expect(calls.map((c) => c.event)).toEqual(["tagged"]);
  });

  it("validates with an async schema, and a later sync push waits its turn (replies in order)", async () => {
    const channel = await joined("room:1");
    const first = t.push(channel, "slow", { n: "not a number" });
    const second = t.push(channel, "msg", { body: " after " });
    const third = t.push(channel, "slow", { n: 7 });
    const fourth = t.push(channel, "raw", { x: 1 });
    await t.assertReply(fourth, "ok", { raw: { x: 1 } }, 1_000);
    await t.assertReply(first, "error", invalid({ path: "n", message: "n must be a number" }), 0);
    await t.assertReply(second, "ok", { body: "after" }, 0);
    await t.assertReply(third, "ok", { n: 7, checked: true }, 0);
    expect(calls).toEqual([
      { event: "msg", payload: { body: "after" } },
      { event: "slow", payload: { n: 7, checked: true } },
      { event: "raw", payload: { x: 1 } },
    ]);
  });

  it("the replies reach the client in the order the pushes were sent", async () => {
    const channel = await joined("room:1");
    const refs = [t.push(channel, "slow", {}), t.push(channel, "msg", { body: "b" }), t.push(channel, "slow", { n: 1 }), t.push(channel, "msg", {})];
    await t.assertReply(refs[3], "error", invalid({ path: "body", message: "body must be a string" }), 1_000);
    const replies = t.mailbox.all().filter((item) => item.kind === "reply");
    expect(replies.map((item) => (item.kind === "reply" ? [item.ref, item.status] : null))).toEqual([
      [refs[0], "error"],
      [refs[1], "ok"],
      [refs[2], "ok"],
    ]);
  });

  it("refuses a join whose payload the phx_join schema rejects, before join runs", async () => {
    const refused = await t.join(t.socket(UserSocket), "room:1", { nope: true });
    expect(refused).toEqual({
      ok: false,
      reply: invalid({ path: "token", message: "token is required" }, { path: "", message: "join payload is invalid" }),
    });
    expect(calls).toEqual([]);
    // join runs with the schema's output; its own refusal is its own.
    expect(await t.join(t.socket(UserSocket), "room:2", { token: "wrong" })).toEqual({ ok: false, reply: { reason: "unauthorized" } });
    expect(calls).toEqual([{ event: "phx_join", payload: { token: "wrong" } }]);
    const accepted = await t.join(t.socket(UserSocket), "room:3", { token: "secret", extra: 1 });
    expect(accepted.ok).toBe(true);
    expect(calls.at(-1)).toEqual({ event: "phx_join", payload: { token: "secret" } });
  });

  it("refuses a join with an async phx_join schema too", async () => {
    const AsyncJoin = defineChannel({
      name: "AsyncJoin",
      schemas: { phx_join: schema<{ token: string }>(async (value) => (await JoinParams["~standard"].validate(value)) as Result<{ token: string }>) },
      join: (_topic, payload) => ok({ token: payload.token }),
    });
    const socket = t.socket(defineSocket({ channels: [["async:*", AsyncJoin]] }));
    expect(await t.join(socket, "async:1", {})).toEqual({
      ok: false,
      reply: invalid({ path: "token", message: "token is required" }, { path: "", message: "join payload is invalid" }),
    });
    const accepted = await t.join(socket, "async:2", { token: "t" });
    expect(accepted).toMatchObject({ ok: true, reply: { token: "t" } });
  });
});

describe("zod 4 (a Standard Schema implementation)", () => {
  it("hands the parsed output to the handler (trimmed, defaults filled in)", async () => {
    const channel = await joined("zod:1");
    const ref = t.push(channel, "msg", { body: "  hi  " });
    await t.assertReply(ref, "ok", { body: "hi", tags: [] });
    expect(calls).toEqual([{ event: "msg", payload: { body: "hi", tags: [] } }]);
  });

  it("answers an invalid payload with invalid_payload, zod's paths and messages; the handler never runs", async () => {
    const channel = await joined("zod:1");
    const ref = t.push(channel, "msg", { body: "   ", tags: ["a", 1] });
    const reply = (await t.assertReply(ref, "error", partial({ reason: "invalid_payload" }))) as ReturnType<typeof invalid>;
    expect(reply.errors.map((e) => e.path).sort()).toEqual(["body", "tags.1"]);
    for (const e of reply.errors) expect(typeof e.message).toBe("string");
    expect(reply.errors.find((e) => e.path === "body")?.message).toMatch(/>=1 characters/);
    expect(calls).toEqual([]);
  });

  it("runs an async zod schema (an async refine) and keeps the order", async () => {
    const channel = await joined("zod:1");
    expect(zodMessage.refine(async () => true)["~standard"].validate({ body: "x" })).toBeInstanceOf(Promise);
    const first = t.push(channel, "slow", { body: "forbidden" });
    const second = t.push(channel, "msg", { body: " second " });
    const third = t.push(channel, "slow", { body: " allowed " });
    await t.assertReply(third, "ok", { body: "allowed" }, 1_000);
    const replies = t.mailbox.all().filter((item) => item.kind === "reply");
    expect(replies.map((item) => (item.kind === "reply" ? [item.ref, item.status, item.payload] : null))).toEqual([
      [first, "error", invalid({ path: "body", message: "this body is forbidden" })],
      [second, "ok", { body: "second", tags: [] }],
    ]);
    expect(calls).toEqual([
      { event: "msg", payload: { body: "second", tags: [] } },
      { event: "slow", payload: { body: "allowed", tags: [] } },
    ]);
  });

  it("refuses a bad join with invalid_payload", async () => {
    const refused = await t.join(t.socket(UserSocket), "zod:1", { token: "guess" });
    expect(refused.ok).toBe(false);
    expect(refused.reply).toMatchObject({ reason: "invalid_payload", errors: [{ path: "token" }] });
    expect((await t.join(t.socket(UserSocket), "zod:2", { token: "secret" })).ok).toBe(true);
  });
});
