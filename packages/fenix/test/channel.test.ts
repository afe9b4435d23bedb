// Conformance CH-24..CH-26, from Phoenix's ChannelTest and channel/server.ex: what join and
// handleIn results put on the wire, seen over a real WebSocket in both protocol versions.
import { afterEach, beforeEach, describe, it } from "vitest";
import { BOTH } from "./support/protocol.js";
import { startReferenceApp } from "./support/reference_app.js";
import type { ReferenceApp } from "./support/reference_app.js";
import { terminateAll } from "./support/ws_client.js";

let app: ReferenceApp;

beforeEach(async () => {
  app = await startReferenceApp();
});

afterEach(async () => {
  terminateAll();
  await app.close();
});

for (const proto of BOTH) {
  describe(`channel results on the wire, ${proto.name}`, () => {
    const T = "reply:lobby";
    const joined = async () => {
      const client = await app.connect("/ws/raw/websocket", { proto });
      client.push("5", "5", T, "phx_join", {});
      await client.expectReply("5", "5", T, "ok", { resp: "x" });
      return client;
    };

    it("CH-24 a join returning ok(reply) answers with that response", async () => {
      await joined();
    });

    it("CH-25 stop with a reply: the reply, then phx_close (ref = join_ref), in order", async () => {
      const client = await joined();
      client.push("5", "6", T, "stop", {});
      await client.expectReply("5", "6", T, "ok", { a: 1 });
      await client.expectMessage("5", "5", T, "phx_close", {});
      await client.expectNoFrame();
    });

    it("CH-26 an async reply through socket.ref() carries the original ref", async () => {
      const client = await joined();
      client.push("5", "7", T, "async_reply", { n: 1 });
      client.push("5", "8", T, "async_reply", { n: 2 });
      await client.expectFrames([
        proto.out("5", "7", T, "phx_reply", { status: "ok", response: { later: { n: 1 } } }),
        proto.out("5", "8", T, "phx_reply", { status: "ok", response: { later: { n: 2 } } }),
      ]);
    });
  });
}
