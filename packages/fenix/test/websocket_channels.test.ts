// Conformance section B, the cases ported from Phoenix's websocket_channels_test.exs
// (CH-01..CH-17, CH-22). Each version-independent case runs twice, as V2 and as V1; frames are
// written in V2 terms and the protocol helper maps them to V1 objects without join_ref.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BOTH, V1, V1_EXPLICIT, V2 } from "./support/protocol.js";
import { joinRoom, startReferenceApp } from "./support/reference_app.js";
import type { ReferenceApp } from "./support/reference_app.js";
import { isEvent, terminateAll } from "./support/ws_client.js";
import type { Received } from "./support/ws_client.js";

let app: ReferenceApp;

beforeEach(async () => {
  app = await startReferenceApp();
});

afterEach(async () => {
  terminateAll();
  await app.close();
});

const hex = (s: string) => Buffer.from(s, "hex");
const eventsOf = (frames: Received[]) => frames.map((f) => (f.binary ? "<binary>" : Array.isArray(f.json) ? f.json[3] : (f.json as { event: string }).event));

for (const proto of BOTH) {
  describe(`channels over WebSocket, ${proto.name}`, () => {
    const connect = (query: Record<string, string> = {}, path = "/ws/websocket") => app.connect(path, { proto, query });

    it("CH-01 replies to a heartbeat with a null join_ref", async () => {
      const client = await connect();
      client.push("", "1", "phoenix", "heartbeat", {});
      await client.expectReply(null, "1", "phoenix", "ok", {});
      // phoenix.js sends heartbeats with a null join_ref; the answer is the same.
      client.push(null, "2", "phoenix", "heartbeat", {});
      await client.expectReply(null, "2", "phoenix", "ok", {});
    });

    describe("CH-02..CH-05 join, leave, and event messages", () => {
      const T = "room:lobby1";

      it("CH-02 join: ok reply, then user_entered broadcast, then joined push (in order)", async () => {
        const client = await connect();
        client.push("11", "1", T, "phx_join", {});
        await client.expectReply("11", "1", T, "ok", {});
        await client.expectMessage(null, null, T, "user_entered", { user: null });
        await client.expectMessage("11", null, T, "joined", { status: "connected", user_id: null });
      });

      it("CH-03 an intercepted broadcast is re-pushed by handleOut with the join_ref; the push is acked", async () => {
        const client = await connect();
        await joinRoom(client, "11", "1", T);
        client.push("11", "2", T, "new_msg", { body: "hi!" });
        await client.expectFrames([
          proto.out("11", null, T, "new_msg", { body: "hi!", transport: ":websocket" }),
          proto.out("11", "2", T, "phx_reply", { status: "ok", response: {} }),
        ]);
      });

      it("CH-04 leave: reply, then phx_close, then terminate's push (in order)", async () => {
        const client = await connect();
        await joinRoom(client, "11", "1", T);
        client.push("11", "3", T, "phx_leave", {});
        await client.expectReply("11", "3", T, "ok", {});
        await client.expectMessage("11", "11", T, "phx_close", {});
        await client.expectMessage("11", null, T, "you_left", { message: "bye!" });
        expect(app.terminations).toStrictEqual([{ topic: T, reason: { shutdown: "left" } }]);
      });

      it("CH-05 events after leaving are refused as unmatched topic (join_ref null)", async () => {
        const client = await connect();
        const seen = app.watch(T);
        await joinRoom(client, "11", "1", T);
        client.push("11", "3", T, "phx_leave", {});
        await client.expectReply("11", "3", T, "ok", {});
        await client.expectMessage("11", "11", T, "phx_close", {});
        await client.expectMessage("11", null, T, "you_left", { message: "bye!" });
        seen.length = 0;
        client.push("11", "4", T, "new_msg", { body: "Should ignore" });
        await client.expectReply(null, "4", T, "error", { reason: "unmatched topic" });
        client.push("11", "5", T, "new_msg", { body: "Should ignore" });
        await client.expectReply(null, "5", T, "error", { reason: "unmatched topic" });
        await client.expectNoFrame();
        expect(seen).toStrictEqual([]);
      });
    });

    it("CH-06 refuses events for topics that were never joined", async () => {
      const client = await connect();
      const seen = app.watch("room:lobby1");
      client.push("", "1", "room:lobby1", "new_msg", { body: "hi!" });
      await client.expectReply(null, "1", "room:lobby1", "error", { reason: "unmatched topic" });
      await client.expectNoFrame();
      expect(seen).toStrictEqual([]);
    });

    it("CH-07 refuses a join to an unmatched topic, with a null join_ref", async () => {
      const client = await connect();
      client.push("11", "1", "unmatched-topic", "phx_join", {});
      await client.expectReply(null, "1", "unmatched-topic", "error", { reason: "unmatched topic" });
      await client.expectNoFrame();
    });

    it("CH-08 rejects the 101st channel join by default", async () => {
      const client = await connect();
      const topic = (i: number) => `room:limit-${proto.name}-${i}`;
      for (let i = 1; i <= 100; i++) client.push(String(10 + i), String(i), topic(i), "phx_join", {});
      const expected: unknown[] = [];
      for (let i = 1; i <= 100; i++) {
        expected.push(
          proto.out(String(10 + i), String(i), topic(i), "phx_reply", { status: "ok", response: {} }),
          proto.out(null, null, topic(i), "user_entered", { user: null }),
          proto.out(String(10 + i), null, topic(i), "joined", { status: "connected", user_id: null }),
        );
      }
      await client.expectFrames(expected);
      client.push("111", "101", topic(101), "phx_join", {});
      await client.expectReply("111", "101", topic(101), "error", { reason: "too many channels joined" });
      await client.expectNoFrame();
    });

    it("CH-09 honors a configured maxChannels", async () => {
      const client = await connect({}, "/ws/limited/websocket");
      await joinRoom(client, "11", "1", "room:limited-1", { status: "connected" });
      client.push("12", "2", "room:limited-2", "phx_join", {});
      await client.expectReply("12", "2", "room:limited-2", "error", { reason: "too many channels joined" });
    });

    it("CH-10 sends phx_error (ref = join_ref) when a channel crashes, and no reply to the crashing push", async () => {
      const client = await connect();
      const T = "room:lobby1";
      await joinRoom(client, "11", "1", T);
      client.push("11", "2", T, "boom", {});
      const frames = await client.collectUntil((f) => isEvent(f, "phx_error"));
      const error = proto.out("11", "11", T, "phx_error", { reason: "channel_crash" });
      const last = frames.at(-1);
      expect(last && !last.binary ? last.json : last).toStrictEqual(error);
      // terminate's you_left may precede phx_error; a reply to ref 2 may not appear at all.
      expect(eventsOf(frames.slice(0, -1)).filter((e) => e !== "you_left")).toStrictEqual([]);
      await client.expectNoFrame();
      // The channel is gone: the topic is unmatched again.
      client.push("11", "3", T, "new_msg", { body: "after crash" });
      await client.expectReply(null, "3", T, "error", { reason: "unmatched topic" });
    });

    it("CH-11 channels are terminated when the transport closes normally", async () => {
      const client = await connect();
      await joinRoom(client, "11", "1", "room:lobby1");
      client.close(1000);
      await client.waitClosed();
      const deadline = Date.now() + 2_000;
      while (app.terminations.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(app.terminations).toStrictEqual([{ topic: "room:lobby1", reason: { shutdown: "closed" } }]);
    });

    it("CH-12 a disconnect broadcast on the socket id closes with 1001, without channel frames", async () => {
      const client = await connect({ user_id: "1001" });
      const joined = { status: "connected", user_id: "1001" };
      await joinRoom(client, "11", "1", "room:wsdisconnect1", joined);
      await joinRoom(client, "12", "2", "room:wsdisconnect2", joined);
      await app.endpoint.broadcast("user_sockets:1001", "disconnect", {});
      const closed = await client.waitClosed();
      expect(closed).toStrictEqual({ code: 1001, reason: "" });
      const after: Received[] = [];
      for (;;) {
        const frame = await client.next(1).catch(() => null);
        if (!frame) break;
        after.push(frame);
      }
      expect(eventsOf(after).filter((e) => e === "phx_close" || e === "phx_error")).toStrictEqual([]);
      expect(app.terminations.map((t) => t.topic).sort()).toStrictEqual(["room:wsdisconnect1", "room:wsdisconnect2"]);
    });

    it("CH-13 a duplicate join closes the existing channel", async () => {
      const client = await connect({ user_id: "1001" });
      const T = "room:joiner";
      await joinRoom(client, "11", "1", T, { status: "connected", user_id: "1001" });
      client.push("12", "2", T, "phx_join", {});
      const frames = await client.collectUntil((f) => isEvent(f, "joined"));
      // The old channel's terminate push (join_ref 11) is not part of the stated order.
      const ordered = frames.filter((f) => !isEvent(f, "you_left")).map((f) => (f.binary ? null : f.json));
      expect(ordered).toStrictEqual([
        proto.out("12", "2", T, "phx_reply", { status: "ok", response: {} }),
        proto.out("11", "11", T, "phx_close", {}),
        proto.out(null, null, T, "user_entered", { user: null }),
        proto.out("12", null, T, "joined", { status: "connected", user_id: "1001" }),
      ]);
      const leftovers = frames.filter((f) => isEvent(f, "you_left")).map((f) => (f.binary ? null : f.json));
      expect(leftovers).toStrictEqual([proto.out("11", null, T, "you_left", { message: "bye!" })]);
    });

    describe("CH-14..CH-16 custom channels: join, ignore, error, and event messages", () => {
      it("CH-14 a refused join replies error with the channel's response, no phx_close", async () => {
        const client = await connect();
        client.push("11", "1", "custom:ignore", "phx_join", { action: "ignore" });
        await client.expectReply("11", "1", "custom:ignore", "error", { action: "ignore" });
        await client.expectNoFrame();
      });

      it("CH-15 a crashing join replies error 'join crashed'", async () => {
        const client = await connect();
        client.push("12", "2", "custom:error", "phx_join", { action: "error" });
        await client.expectReply("12", "2", "custom:error", "error", { reason: "join crashed" });
        await client.expectNoFrame();
      });

      it("CH-16 a channel that stops itself gracefully sends phx_close", async () => {
        const client = await connect();
        client.push("13", "3", "custom:ok", "phx_join", { action: "ok" });
        await client.expectReply("13", "3", "custom:ok", "ok", { action: "ok" });
        client.push("13", "4", "custom:ok", "close", { body: "bye!" });
        await client.expectMessage("13", "13", "custom:ok", "phx_close", {});
        await client.expectNoFrame();
      });
    });
  });
}

describe("CH-17 binary messages can be pushed and received (V2 only)", () => {
  it("replies and pushes binary frames with the exact layouts", async () => {
    const client = await app.connect("/ws/websocket", { proto: V2 });
    await joinRoom(client, "11", "1", "room:bin");
    client.sendBinary(hex("000201080c313132726f6f6d3a62696e62696e6172795f6576656e740102"));
    await client.expectFrames([hex("0102010802313132726f6f6d3a62696e6f6b01020304"), hex("0002080c3131726f6f6d3a62696e62696e6172795f6576656e740001")]);
  });
});

describe("CH-22 V1 is negotiated without vsn or with vsn=1.0.0", () => {
  for (const proto of [V1, V1_EXPLICIT]) {
    it(`${proto.name}: object frames without a join_ref key`, async () => {
      const client = await app.connect("/ws/admin/websocket", { proto });
      // The exact frame from the case: no join_ref at all.
      client.sendText('{"topic":"room:admin-lobby1","event":"phx_join","payload":{},"ref":"1"}');
      await client.expectFrame({ event: "phx_reply", payload: { response: {}, status: "ok" }, ref: "1", topic: "room:admin-lobby1" });
      await client.expectFrame({ event: "user_entered", payload: { user: null }, ref: null, topic: "room:admin-lobby1" });
      await client.expectFrame({ event: "joined", payload: { status: "connected", user_id: null }, ref: null, topic: "room:admin-lobby1" });
      // With no join_ref stored, phx_close carries ref null.
      client.sendText('{"topic":"room:admin-lobby1","event":"phx_leave","payload":{},"ref":"2"}');
      await client.expectFrame({ event: "phx_reply", payload: { response: {}, status: "ok" }, ref: "2", topic: "room:admin-lobby1" });
      await client.expectFrame({ event: "phx_close", payload: {}, ref: null, topic: "room:admin-lobby1" });
    });
  }
});
