// Conformance section C, the channel cases of Phoenix's long_poll_channels_test.exs (LP-02..LP-09,
// LP-12..LP-14, LP-16), as black-box HTTP requests against the reference app's long-poll
// variant (window_ms 200). Version-independent cases run as V2 (ndjson) and V1 (one JSON object
// per POST); as in Phoenix's V1 helper, V1 joins carry no join_ref, so phx_close/phx_error refs are null.
import { Connection } from "fenix";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LongPollClient, expectEnvelope } from "./support/lp_client.js";
import { BOTH, V1, V2 } from "./support/protocol.js";
import type { Proto } from "./support/protocol.js";
import { startReferenceApp } from "./support/reference_app.js";
import type { ReferenceApp } from "./support/reference_app.js";

let app: ReferenceApp;

beforeEach(async () => {
  app = await startReferenceApp({ variant: "longpoll" });
});

afterEach(async () => {
  vi.restoreAllMocks();
  await app.close();
});

const T = "room:lobby";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function client(proto: Proto = V2, path = "/ws/longpoll", query: Record<string, string> = {}): LongPollClient {
  return new LongPollClient((p, q, pr) => app.http(p, q, pr), path, proto, query);
}

async function waitFor(condition: () => boolean, what: string, ms = 2_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms}ms waiting for ${what}`);
    await sleep(10);
  }
}

for (const proto of BOTH) {
  // Phoenix's V1 long-poll helper joins without a join_ref.
  const J = proto === V2 ? "1" : null;

  describe(`long-poll channels, ${proto.name}`, () => {
    it("LP-02 joins and polls messages: reply, user_entered, joined; then 204 after the window", async () => {
      const c = client(proto);
      await c.open();
      await c.send([["1", "1", T, "phx_join", {}]]);
      await c.expectMessages([
        ["1", "1", T, "phx_reply", { status: "ok", response: {} }],
        [null, null, T, "user_entered", { user: null }],
        ["1", null, T, "joined", { status: "connected", user_id: null }],
      ]);
      const started = Date.now();
      await c.expectNoMessages();
      expect(Date.now() - started).toBeGreaterThanOrEqual(180);
    });

    it("LP-03 rejects the 101st channel join", async () => {
      const c = client(proto);
      await c.open();
      for (let i = 1; i <= 100; i++) await c.join(`room:limit-${i}`, J === null ? null : String(i), String(i));
      await c.send([[J === null ? null : "101", "101", "room:limit-101", "phx_join", {}]]);
      await c.expectMessages([["101", "101", "room:limit-101", "phx_reply", { status: "error", response: { reason: "too many channels joined" } }]]);
    });

    it("LP-04 publishes events: broadcast with the transport, and unmatched topics refused", async () => {
      const c = client(proto);
      await c.open();
      await c.join(T, J, "1");
      const seen = app.watch(T);
      await c.send([[null, "1", T, "new_msg", { body: "hi!" }]]);
      expect(seen).toStrictEqual([{ topic: T, event: "new_msg", payload: { body: "hi!" } }]);
      await c.expectMessages([["1", null, T, "new_msg", { body: "hi!", transport: ":longpoll" }]]);
      seen.length = 0;
      await c.send([[null, "12300", "room:private-room", "new_msg", { body: "this method shouldn't send!'" }]]);
      await c.expectMessages([[null, "12300", "room:private-room", "phx_reply", { status: "error", response: { reason: "unmatched topic" } }]]);
      expect(seen).toStrictEqual([]);
    });

    it("LP-05 no join_ref is required on non-join messages", async () => {
      const c = client(proto);
      await c.open();
      await c.join(T, J, "1");
      const seen = app.watch(T);
      await c.send([[null, "2", T, "new_msg", { body: "hi!" }]]);
      expect(seen.map((m) => m.payload)).toStrictEqual([{ body: "hi!" }]);
    });

    it("LP-07 ends a session nobody polls (~1.5 × window): channels stop, POST then gets 410", async () => {
      const c = client(proto);
      await c.open();
      await c.join(T, J, "1");
      // Still alive well within 1.5 × 200 ms of the last poll; a POST does not count as a poll.
      await sleep(150);
      await c.send([[null, "2", "phoenix", "heartbeat", {}]]);
      await waitFor(() => app.terminations.length > 0, "the inactive session to end");
      expect(app.terminations).toStrictEqual([{ topic: T, reason: { shutdown: "inactive" } }]);
      const res = await c.post(proto.frame(null, "3", "phoenix", "heartbeat", {}));
      expectEnvelope(res);
      expect(res.body).toStrictEqual({ status: 410 });
    });

    it("keeps a session alive while it is polled, however long", async () => {
      const c = client(proto);
      await c.open();
      await c.join(T, J, "1");
      for (let i = 0; i < 4; i++) await c.expectNoMessages();
      expect(app.terminations).toStrictEqual([]);
    });

    it("LP-09 processes only the first 100 lines of an ndjson batch", async () => {
      if (proto !== V2) return;
      const c = client(proto);
      await c.open();
      await c.join(T, J, "1");
      const seen = app.watch(T);
      const lines = Array.from({ length: 101 }, (_, i) => V2.frame("1", String(i + 2), T, "new_msg", { body: `msg${i + 1}` }));
      const res = await c.post(lines.join("\n"));
      expect(res.body).toStrictEqual({ status: 200 });
      const bodies = Array.from({ length: 100 }, (_, i) => `msg${i + 1}`);
      expect(seen.map((m) => (m.payload as { body: string }).body)).toStrictEqual(bodies);
      const got = (await c.receive(100)) as unknown[][];
      expect(got.map((m) => (m[4] as { body: string }).body)).toStrictEqual(bodies);
      await c.expectNoMessages();
    });

    it("LP-12 sends phx_error when a channel crashes", async () => {
      const c = client(proto);
      await c.open();
      await c.join(T, J, "1");
      await c.send([[J, "1", T, "boom", {}]]);
      await c.expectMessages([[J, J, T, "phx_error", { reason: "channel_crash" }]]);
    });

    it("LP-13 ignores stale join refs and accepts a nil join ref on phx_leave", async () => {
      const c = client(proto);
      await c.open();
      await c.send([[J, "1", T, "phx_join", {}]]);
      await c.send([["stale", "stale", T, "phx_leave", {}]]);
      await c.send([[null, "2", T, "phx_leave", {}]]);
      await c.expectMessages([
        ["1", "1", T, "phx_reply", { status: "ok", response: {} }],
        [null, null, T, "user_entered", { user: null }],
        ["1", null, T, "joined", { status: "connected", user_id: null }],
        ["1", "2", T, "phx_reply", { status: "ok", response: {} }],
        [J, J, T, "phx_close", {}],
      ]);
    });

    it("LP-14 a disconnect broadcast ends the session: the old token gets a new session, a POST gets 410", async () => {
      const c = client(proto, "/ws/longpoll", { user_id: "456" });
      const old = await c.open();
      await c.join("room:lpdisconnect1", J, "1", { status: "connected", user_id: "456" });
      await c.join("room:lpdisconnect2", J === null ? null : "2", "2", { status: "connected", user_id: "456" });
      await app.endpoint.broadcast("user_sockets:456", "disconnect", {});
      await waitFor(() => app.terminations.length === 2, "both channels to stop");
      expect(app.terminations.map((t) => t.reason)).toStrictEqual([{ shutdown: "disconnected" }, { shutdown: "disconnected" }]);
      const post = await c.post(proto.frame(null, "3", "phoenix", "heartbeat", {}));
      expect(post.body).toStrictEqual({ status: 410 });
      const get = await c.get();
      expectEnvelope(get);
      expect(get.body).toStrictEqual({ status: 410, token: expect.any(String), messages: [] });
      expect(get.body.token).not.toBe(old);
    });

    it("LP-16 treats a body without the ndjson content type as one text frame", async () => {
      const c = client(proto);
      await c.open();
      await c.join(T, J, "1");
      const res = await c.post(proto.frame(J, "2", T, "phx_leave", {}), { contentType: "" });
      expectEnvelope(res);
      expect(res.body).toStrictEqual({ status: 200 });
      await c.expectMessages([
        ["1", "2", T, "phx_reply", { status: "ok", response: {} }],
        [J, J, T, "phx_close", {}],
      ]);
    });
  });
}

describe("long-poll channels, V2 only", () => {
  it("LP-06 publishes a batch in order, ignores the stale line, and accepts base64 binary lines", async () => {
    const c = client(V2);
    await c.open();
    await c.send([["1", "1", T, "phx_join", {}]]);
    const seen = app.watch(T);
    const batch1 = [
      '["1","2","room:lobby","new_msg",{"body":"hi1"}]',
      '["1","3","room:lobby","new_msg",{"body":"hi2"}]',
      '["stale","stale","room:lobby","new_msg",{"body":"stale"}]',
    ];
    expect((await c.post(batch1.join("\n"))).body).toStrictEqual({ status: 200 });
    // Line 1: a binary push (join_ref "1", ref "4", event "bin", payload 01 02 03); \r\n also separates lines.
    const batch2 = ["AAEBCgMxNHJvb206bG9iYnliaW4BAgM=", '["1","5","room:lobby","new_msg",{"body":"hi3"}]'];
    expect((await c.post(batch2.join("\r\n"))).body).toStrictEqual({ status: 200 });
    await c.expectMessages([
      ["1", "1", T, "phx_reply", { status: "ok", response: {} }],
      [null, null, T, "user_entered", { user: null }],
      ["1", null, T, "joined", { status: "connected", user_id: null }],
      ["1", null, T, "new_msg", { body: "hi1", transport: ":longpoll" }],
      ["1", null, T, "new_msg", { body: "hi2", transport: ":longpoll" }],
      ["1", null, T, "bin_ack", { transport: ":longpoll" }],
      ["1", null, T, "new_msg", { body: "hi3", transport: ":longpoll" }],
    ]);
    expect(seen.map((m) => m.event)).toStrictEqual(["new_msg", "new_msg", "bin_ack", "new_msg"]);
  });

  it("LP-08 answers 408 when dispatching a POSTed frame outlasts the window", async () => {
    // Phoenix's SlowSocket never returns from handle_in; Fenix dispatches synchronously, so the
    // slow dispatch is simulated on the connections of that socket only.
    const original = Connection.prototype.handleFrame;
    vi.spyOn(Connection.prototype, "handleFrame").mockImplementation(function (this: Connection, data, binary) {
      if (this.socketName === "SlowSocket") return new Promise<void>(() => {}) as unknown as void;
      return original.call(this, data, binary);
    });
    const c = client(V2, "/ws/slow/longpoll");
    await c.open();
    const started = Date.now();
    const res = await c.post('["1","1","room:lobby","ping",{}]');
    expectEnvelope(res);
    expect(res.body).toStrictEqual({ status: 408 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  });

  it("a binary line that is not base64 is a bad request, and nothing of the batch is dispatched", async () => {
    const c = client(V2);
    await c.open();
    await c.join(T, "1", "1");
    const seen = app.watch(T);
    const res = await c.post(`["1","2","room:lobby","new_msg",{"body":"first"}]\nnot base64!`);
    expect(res.http).toBe(400);
    expect(res.body).toMatchObject({ status: 400, error: expect.stringContaining("line 2") });
    expect(seen).toStrictEqual([]);
  });

  it("a V1 session posting a binary line is closed like a WebSocket sending an undecodable frame", async () => {
    const c = client(V1);
    await c.open();
    const res = await c.post("AAEBCgMxNHJvb206bG9iYnliaW4BAgM=", { contentType: "application/x-ndjson" });
    expect(res.body).toStrictEqual({ status: 410 });
    expect((await c.post(V1.frame(null, "1", "phoenix", "heartbeat", {}))).body).toStrictEqual({ status: 410 });
  });
});
