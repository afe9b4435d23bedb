// Conformance section B, the cases that pin down clauses of Phoenix's socket.ex and
// websocket.ex rather than one integration test: stale and nil join_refs (CH-18..CH-21),
// serializer negotiation (CH-23) and the authToken subprotocol (CH-27).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BOTH, V1, V2 } from "./support/protocol.js";
import type { Proto } from "./support/protocol.js";
import { joinRoom, startReferenceApp } from "./support/reference_app.js";
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
  describe(`join_ref rules, ${proto.name}`, () => {
    const connect = () => app.connect("/ws/websocket", { proto });

    it("CH-18 ignores a leave with a stale join_ref and accepts one with a nil join_ref", async () => {
      const client = await connect();
      const T = "room:lobby";
      await joinRoom(client, "1", "1", T);
      client.push("stale", "stale", T, "phx_leave", {});
      await client.expectNoFrame();
      client.push(null, "2", T, "phx_leave", {});
      await client.expectReply("1", "2", T, "ok", {});
      await client.expectMessage("1", "1", T, "phx_close", {});
      await client.expectMessage("1", null, T, "you_left", { message: "bye!" });
      // Only the nil-join_ref leave ended the channel.
      expect(app.terminations).toStrictEqual([{ topic: T, reason: { shutdown: "left" } }]);
    });

    it("CH-19 drops a message carrying a stale join_ref: no reply, no broadcast", async () => {
      const client = await connect();
      const T = "room:stale";
      await joinRoom(client, "11", "1", T);
      const seen = app.watch(T);
      client.push("99", "5", T, "new_msg", { body: "x" });
      await client.expectNoFrame();
      expect(seen).toStrictEqual([]);
      // The channel is still joined and serves the current join_ref.
      client.push("11", "6", T, "new_msg", { body: "y" });
      await client.expectFrames([
        proto.out("11", null, T, "new_msg", { body: "y", transport: ":websocket" }),
        proto.out("11", "6", T, "phx_reply", { status: "ok", response: {} }),
      ]);
    });

    it("CH-20 needs no join_ref on non-join messages", async () => {
      const client = await connect();
      const T = "room:nulljoinref";
      await joinRoom(client, "11", "1", T);
      const seen = app.watch(T);
      client.push(null, "2", T, "new_msg", { body: "hi!" });
      await client.expectFrames([
        proto.out("11", null, T, "new_msg", { body: "hi!", transport: ":websocket" }),
        proto.out("11", "2", T, "phx_reply", { status: "ok", response: {} }),
      ]);
      expect(seen.map((m) => [m.event, m.payload])).toStrictEqual([["new_msg", { body: "hi!" }]]);
    });

    it("CH-21 acknowledges a leave for a never-joined topic, without phx_close", async () => {
      const client = await connect();
      client.push("7", "9", "room:never", "phx_leave", {});
      await client.expectReply("7", "9", "room:never", "ok", {});
      await client.expectNoFrame();
    });
  });
}

describe("CH-23 serializer negotiation from vsn", () => {
  const joinsWith = async (query: string, proto: Proto) => {
    const client = await app.connect("/ws/admin/websocket", { query, proto });
    client.push("11", "1", "room:vsn", "phx_join", {});
    await client.expectReply("11", "1", "room:vsn", "ok", {});
  };

  it("vsn=2.0.5 selects V2", () => joinsWith("vsn=2.0.5", V2));
  it("vsn=1.0.9 selects V1", () => joinsWith("vsn=1.0.9", V1));

  for (const query of ["vsn=2.1.0", "vsn=garbage", "vsn[x]=1", "vsn=3.0.0"]) {
    it(`${query} is refused with 403`, async () => {
      expect((await app.refused("/ws/admin/websocket", { query })).status).toBe(403);
    });
  }
});

describe("CH-27 authToken from the Sec-WebSocket-Protocol header", () => {
  const authProtocol = (token: string) => `base64url.bearer.phx.${Buffer.from(token).toString("base64").replace(/=+$/, "")}`;

  it("selects the phoenix subprotocol and hands the token to connect", async () => {
    const client = await app.connect("/ws/auth/websocket", { protocols: ["phoenix", "base64url.bearer.phx.dG9r"] });
    expect(client.protocol).toBe("phoenix");
    client.push("11", "1", "probe:auth", "phx_join", {});
    await client.expectReply("11", "1", "probe:auth", "ok", { params: { vsn: "2.0.0" }, auth_token: "tok" });
  });

  it("decodes the standard base64 alphabet phoenix.js actually uses (+ and /), unpadded", async () => {
    const token = "a?b>c~~~";
    const protocol = authProtocol(token);
    expect(protocol).toMatch(/[+/]/);
    const client = await app.connect("/ws/auth/websocket", { protocols: ["phoenix", protocol] });
    expect(client.protocol).toBe("phoenix");
    client.push("11", "1", "probe:auth", "phx_join", {});
    await client.expectReply("11", "1", "probe:auth", "ok", { params: { vsn: "2.0.0" }, auth_token: token });
  });
});
