// Conformance section A (WS-01..WS-15): the WebSocket connection level, ported from
// Phoenix's websocket_socket_test.exs and websocket_channels_test.exs and checked over a real
// socket. Where Phoenix uses a raw transport socket (WS-09/10/14) the same property is
// observed through a channel on ProbeSocket: its join reply shows the connect params.
import { captureLog } from "fenix/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { V1, V2 } from "./support/protocol.js";
import { joinRoom, startReferenceApp } from "./support/reference_app.js";
import type { ReferenceApp } from "./support/reference_app.js";
import { TestClient, UpgradeRefused, WAIT_MS, terminateAll } from "./support/ws_client.js";

let app: ReferenceApp;

beforeEach(async () => {
  app = await startReferenceApp();
});

afterEach(async () => {
  terminateAll();
  await app.close();
});

function http(path: string, init?: RequestInit): Promise<Response> {
  return fetch(`http://127.0.0.1:${app.port}${path}`, { ...init, signal: AbortSignal.timeout(WAIT_MS) });
}

describe("WebSocket connection (section A)", () => {
  it("WS-01 endpoint handles multiple mount segments", async () => {
    const client = await app.connect("/ws/admin/websocket");
    client.push("11", "1", "room:admin-lobby1", "phx_join", {});
    await client.expectReply("11", "1", "room:admin-lobby1", "ok", {});
  });

  it("WS-02 returns 403 when versions do not match, and says why in the log", async () => {
    let refused: Awaited<ReturnType<ReferenceApp["refused"]>> | undefined;
    const log = await captureLog(async () => {
      refused = await app.refused("/ws/websocket", { query: "vsn=123.1.1" });
    });
    expect(refused?.status).toBe(403);
    expect(log).toContain('requested transport version "123.1.1" does not match');
  });

  it("WS-03 refuses connects that error with a 403 response and an empty body", async () => {
    const refused = await app.refused("/ws/websocket", { query: { reject: "true" } });
    expect(refused.status).toBe(403);
    expect(refused.body).toBe("");
  });

  it("WS-04 refuses connects that error with the error handler's response", async () => {
    const refused = await app.refused("/ws/websocket", { query: { ratelimit: "true" } });
    expect(refused.status).toBe(429);
    expect(refused.body).toBe("Too many requests");
  });

  it("WS-05 accepts allowed origins", async () => {
    const client = await app.connect("/ws/websocket", { headers: { Origin: "https://example.com" } });
    expect(client.isOpen).toBe(true);
  });

  it("WS-06 refuses unallowed origins with 403", async () => {
    const refused = await app.refused("/ws/websocket", { headers: { Origin: "http://notallowed.com" } });
    expect(refused.status).toBe(403);
  });

  it("WS-07 answers a plain GET without upgrade headers with 400", async () => {
    const res = await http("/ws/websocket");
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("'connection' header must contain 'upgrade'");
  });

  describe("WS-08 refuses unallowed WebSocket subprotocols", () => {
    it("(a) echoes an allowed subprotocol", async () => {
      const client = await app.connect("/ws/raw/websocket", { protocols: ["sip"] });
      expect(client.protocol).toBe("sip");
    });

    it("(b) accepts a client that asks for none", async () => {
      const client = await app.connect("/ws/raw/websocket");
      expect(client.protocol).toBe("");
    });

    it("(c) refuses an unknown subprotocol with 403", async () => {
      const refused = await app.refused("/ws/raw/websocket", { protocols: ["mqtt"] });
      expect(refused.status).toBe(403);
    });
  });

  it("WS-09 query params reach connect", async () => {
    const client = await app.connect("/ws/raw/websocket", { query: { key: "value" } });
    client.push("11", "1", "probe:params", "phx_join", {});
    await client.expectReply("11", "1", "probe:params", "ok", { params: { key: "value", vsn: "2.0.0" }, auth_token: null });
  });

  it("WS-10 allows a path with variables, which reach connect as params", async () => {
    const client = await app.connect("/custom/123/456/path", { query: { key: "value" } });
    client.push("11", "1", "probe:params", "phx_join", {});
    await client.expectReply("11", "1", "probe:params", "ok", {
      params: { key: "value", socket_var: "123", path_var: "456", vsn: "2.0.0" },
      auth_token: null,
    });
  });

  it("WS-11 allows a custom path", async () => {
    const client = await app.connect("/custom/some_path/nested/path", { query: { key: "value" } });
    expect(client.isOpen).toBe(true);
  });

  describe("WS-12 shuts down if the client goes quiet", () => {
    for (const proto of [V2, V1]) {
      it(`${proto.name}: answers the heartbeat, then closes an idle connection (1001)`, async () => {
        const client = await app.connect("/ws/websocket", { proto });
        client.push("", "1", "phoenix", "heartbeat", {});
        await client.expectReply(null, "1", "phoenix", "ok", {});
        // timeout is 200 ms; the close must come, we only bound it from above.
        const closed = await client.waitClosed(1_500);
        expect(closed.code).toBe(1001);
      });
    }

    it("stays open while the client keeps sending heartbeats", async () => {
      const client = await app.connect("/ws/websocket");
      for (let i = 1; i <= 6; i++) {
        client.push(null, String(i), "phoenix", "heartbeat", {});
        await client.expectReply(null, String(i), "phoenix", "ok", {});
        await new Promise((resolve) => setTimeout(resolve, 80));
      }
      expect(client.isOpen).toBe(true);
      expect((await client.waitClosed(1_500)).code).toBe(1001);
    });
  });

  it("WS-13 answers control frames with a payload and keeps the socket usable", async () => {
    const client = await app.connect("/ws/raw/websocket");
    expect((await client.ping("")).toString()).toBe("");
    expect((await client.ping("123")).toString()).toBe("123");
    // Control frames never reach the channel layer: no frame, and the socket still works.
    await client.expectNoFrame();
    client.push(null, "1", "phoenix", "heartbeat", {});
    await client.expectReply(null, "1", "phoenix", "ok", {});
  });

  it("WS-14 pushes to the client outside a request (pong after ping)", async () => {
    const client = await app.connect("/ws/raw/websocket");
    client.push("11", "1", "probe:ping", "phx_join", {});
    await client.expectReply("11", "1", "probe:ping", "ok", { params: { vsn: "2.0.0" }, auth_token: null });
    client.push("11", "2", "probe:ping", "ping", {});
    await client.expectMessage("11", null, "probe:ping", "pong", {});
  });

  it("WS-15 answers a POST to the WebSocket path with 400 and an empty body", async () => {
    const res = await http("/ws/websocket", { method: "POST", body: "" });
    expect(res.status).toBe(400);
    expect(await res.text()).toBe("");
  });

  describe("malformed input closes the connection with 1011 (protocol §3.9)", () => {
    const cases: [string, (client: TestClient) => void, typeof V2][] = [
      ["V2 invalid JSON", (c) => c.sendText("not json"), V2],
      ["V2 array of the wrong arity", (c) => c.sendText('["1","1","room:x"]'), V2],
      ["V2 unknown binary kind", (c) => c.sendBinary(Buffer.from([2, 1, 1, 1, 1, 0x61, 0x62, 0x63, 0x64])), V2],
      ["V1 non-object", (c) => c.sendText('["1","1","room:x","phx_join",{}]'), V1],
      ["V1 object without ref", (c) => c.sendText('{"topic":"room:x","event":"phx_join","payload":{}}'), V1],
    ];
    for (const [name, send, proto] of cases) {
      it(name, async () => {
        const client = await app.connect("/ws/websocket", { proto });
        send(client);
        expect((await client.waitClosed()).code).toBe(1011);
      });
    }
  });

  it("a refused upgrade is reported with its status, not as a hang", async () => {
    await expect(TestClient.open(app.url("/ws/websocket", { reject: "true" }))).rejects.toBeInstanceOf(UpgradeRefused);
  });

  it("WS-01 also works over V1 (the mount, not the version, picks the socket)", async () => {
    const client = await app.connect("/ws/admin/websocket", { proto: V1 });
    await joinRoom(client, "11", "1", "room:admin-lobby1");
  });
});
