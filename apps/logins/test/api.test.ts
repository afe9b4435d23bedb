// The HTTP API and the stream in one process: redirects and 204s, the 400 name rule on all four
// routes, no announcement without a change, the stream's format and a disconnect's cleanup.
import { afterEach, describe, expect, it } from "vitest";
import { SseStream, closeAllStreams } from "../../../packages/fenix/test/support/sse_client.js";
import { type SseTransport, sseKeepAliveTimers } from "../../../packages/fenix/src/transports/sse.js";
import { loginsSocket } from "../src/sockets/logins_socket.js";
import { LOGINS_TOPIC, MemoryUserStore } from "../src/app.js";
import type { Snapshot } from "../src/app.js";
import { call, startApp } from "./support/app.js";
import type { Running } from "./support/app.js";

const running: Running[] = [];
afterEach(async () => {
  closeAllStreams();
  for (const r of running.splice(0)) await r.stop();
});

async function start(keepAliveMs?: number) {
  const r = await startApp({ keepAliveMs });
  running.push(r);
  return r;
}

/** The stream's unnamed events (the changes), parsed. */
const changes = (stream: SseStream) => stream.events.filter((e) => e.event === "message").map((e) => e.json);

describe("the HTTP API", () => {
  it("GET routes redirect to /users, POST twins answer 204, /api/users lists newest first", async () => {
    const { base } = await start();
    expect(await call(base, "GET", "login", "yay")).toMatchObject({ status: 302, location: "/users" });
    expect(await call(base, "POST", "login", "ann")).toMatchObject({ status: 204, body: "" });
    expect(await call(base, "GET", "login", "bob")).toMatchObject({ status: 302 });
    expect(await (await fetch(`${base}/api/users`)).json()).toEqual({ users: ["bob", "ann", "yay"] });
    expect(await call(base, "POST", "logout", "ann")).toMatchObject({ status: 204 });
    expect(await call(base, "GET", "logout", "yay")).toMatchObject({ status: 302, location: "/users" });
    expect(await (await fetch(`${base}/api/users`)).json()).toEqual({ users: ["bob"] });
  });

  it("a logout of an absent name still redirects (GET) or answers 204 (POST)", async () => {
    const { base } = await start();
    expect(await call(base, "GET", "logout", "nobody")).toMatchObject({ status: 302, location: "/users" });
    expect(await call(base, "POST", "logout", "nobody")).toMatchObject({ status: 204 });
  });

  const bad = ["a%20b", "x".repeat(65), "%C3%A9", "a%2Fb", "%3Cb%3E", ""];
  for (const method of ["GET", "POST"] as const) {
    for (const op of ["login", "logout"] as const) {
      it(`${method} /api/${op}/:name answers 400 with the rule for a bad name, and keeps serving`, async () => {
        const { base } = await start();
        for (const name of bad) {
          const res = await call(base, method, op, name);
          expect(res.status, name).toBe(400);
          expect(res.body, name).toMatch(/^invalid user name .*: use 1-64 letters, digits, "_", "-" or "."\n$/);
        }
        expect(await (await fetch(`${base}/api/users`)).json()).toEqual({ users: [] });
        expect((await call(base, method, op, "ok.name-1_2")).status).toBeLessThan(400);
      });
    }
  }
});

describe("GET /user-stream", () => {
  it("starts with the list as `event: users`, newest first, then one unnamed event per change", async () => {
    const { base } = await start();
    await call(base, "POST", "login", "ann");
    await call(base, "POST", "login", "bob");
    const stream = await SseStream.open(`${base}/user-stream`);
    expect(stream.status).toBe(200);
    expect(stream.headers["content-type"]).toBe("text/event-stream");
    await stream.waitFor((e) => e.event === "users");
    await call(base, "GET", "login", "yay");
    await call(base, "GET", "logout", "yay");
    await stream.waitFor((e) => e.json?.action === "del");
    expect(stream.raw).toBe(
      'retry: 2000\n\nevent: users\ndata: {"users":["bob","ann"]}\n\ndata: {"action":"add","user":"yay"}\n\ndata: {"action":"del","user":"yay"}\n\n',
    );
  });

  it("announces nothing for a second login or a logout of an absent name", async () => {
    const { base } = await start();
    const stream = await SseStream.open(`${base}/user-stream`);
    await stream.waitFor((e) => e.event === "users");
    await call(base, "GET", "login", "yay");
    await call(base, "GET", "login", "yay");
    await call(base, "POST", "login", "yay");
    await call(base, "GET", "logout", "nobody");
    await call(base, "POST", "logout", "nobody");
    await call(base, "GET", "logout", "yay");
    await call(base, "GET", "logout", "yay");
    // A last change marks the end: everything announced before it has arrived.
    await call(base, "POST", "login", "end");
    await stream.waitFor((e) => e.json?.user === "end");
    expect(changes(stream)).toEqual([
      { action: "add", user: "yay" },
      { action: "del", user: "yay" },
      { action: "add", user: "end" },
    ]);
  });

  it("sends a keep-alive comment periodically", async () => {
    const { base } = await start(30);
    const stream = await SseStream.open(`${base}/user-stream`);
    await expect.poll(() => stream.comments.filter((c) => c === "keep-alive").length).toBeGreaterThanOrEqual(2);
  });

  it("keeps the stream alive every 15 s by default", async () => {
    const { app } = await start();
    const [factory] = loginsSocket(app.store).transports;
    // The transport only reads its options when built; the period is what each stream gets.
    expect((factory.create({} as never) as SseTransport).keepAliveMs).toBe(15_000);
  });

  it("a subscriber that disconnects leaves no subscription, connection or keep-alive timer", async () => {
    const { app, base } = await start();
    const baseline = sseKeepAliveTimers();
    const stream = await SseStream.open(`${base}/user-stream`);
    await stream.waitFor((e) => e.event === "users");
    expect(app.endpoint.pubsub.subscriberCount(LOGINS_TOPIC)).toBe(1);
    expect(app.endpoint.connections.size).toBe(1);
    expect(sseKeepAliveTimers()).toBe(baseline + 1);
    stream.close();
    await expect.poll(() => app.endpoint.pubsub.subscriberCount(LOGINS_TOPIC)).toBe(0);
    await expect.poll(() => app.endpoint.connections.size).toBe(0);
    await expect.poll(() => sseKeepAliveTimers()).toBe(baseline);
    // Changes after the disconnect still work and reach the new subscribers only.
    const next = await SseStream.open(`${base}/user-stream`);
    await next.waitFor((e) => e.event === "users");
    await call(base, "POST", "login", "after");
    await next.waitFor((e) => e.json?.user === "after");
    expect(app.endpoint.pubsub.subscriberCount(LOGINS_TOPIC)).toBe(1);
  });

  it("a change made while the first list is being read is in that list and not announced again", async () => {
    // The list arrives only when the test lets it, so a login can land in between.
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    class SlowStore extends MemoryUserStore {
      held = false;
      override async snapshot(): Promise<Snapshot> {
        if (!this.held) {
          this.held = true;
          await gate;
        }
        return super.snapshot();
      }
    }
    const r = await startApp({ store: new SlowStore() });
    running.push(r);
    const stream = await SseStream.open(`${r.base}/user-stream`);
    await expect.poll(() => r.app.endpoint.pubsub.subscriberCount(LOGINS_TOPIC)).toBe(1);
    await call(r.base, "POST", "login", "early");
    release();
    await stream.waitFor((e) => e.event === "users");
    await call(r.base, "POST", "login", "late");
    await stream.waitFor((e) => e.json?.user === "late");
    expect(stream.events.map((e) => [e.event, e.json])).toEqual([
      ["users", { users: ["early"] }],
      ["message", { action: "add", user: "late" }],
    ]);
  });
});
