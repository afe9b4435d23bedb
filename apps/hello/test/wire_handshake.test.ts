// The WebSocket handshake on /socket: upgrade, origin check, vsn negotiation, idle timeout
// (part A §1.2–§1.4 and §9 scenarios 1, 21, 25, 26).
import { describe, expect, it } from "vitest";
import { sleep, helloPerTest } from "./support/hello.js";
import { expectedAccept, httpGet, rawUpgrade } from "./support/http.js";
import { reply } from "./support/wire.js";

const start = helloPerTest();

describe("upgrade", () => {
  it("answers 101 with upgrade, connection and a correct sec-websocket-accept (scenario 1)", async () => {
    const { port } = await start();
    const res = await rawUpgrade(port, "/socket/websocket?vsn=2.0.0");
    expect(res.status).toBe(101);
    expect(res.headers.upgrade?.toLowerCase()).toBe("websocket");
    expect(res.headers.connection?.toLowerCase()).toBe("upgrade");
    expect(res.headers["sec-websocket-accept"]).toBe(expectedAccept(res.key));
  });

  it("answers a plain GET on the websocket path with 400, and other methods with 400", async () => {
    const { base } = await start();
    const get = await httpGet(`${base}/socket/websocket?vsn=2.0.0`);
    expect(get.status).toBe(400);
    const post = await fetch(`${base}/socket/websocket?vsn=2.0.0`, { method: "POST", body: "x", signal: AbortSignal.timeout(2_000) });
    expect(post.status).toBe(400);
    await post.text();
  });

  it("answers an upgrade to an unmounted path with 404", async () => {
    const { port } = await start();
    expect((await rawUpgrade(port, "/nope/websocket?vsn=2.0.0")).status).toBe(404);
  });
});

describe("origin check (scenario 25)", () => {
  it("refuses Origin http://evil.com with 403", async () => {
    const { port } = await start();
    const res = await rawUpgrade(port, "/socket/websocket?vsn=2.0.0", { host: `localhost:${port}`, origin: "http://evil.com" });
    expect(res.status).toBe(403);
  });

  it("accepts Origin http://localhost:<port> when the Host is localhost", async () => {
    const { port } = await start();
    const res = await rawUpgrade(port, "/socket/websocket?vsn=2.0.0", { host: `localhost:${port}`, origin: `http://localhost:${port}` });
    expect(res.status).toBe(101);
    expect(res.headers["sec-websocket-accept"]).toBe(expectedAccept(res.key));
  });

  it("refuses a look-alike origin host and the null origin", async () => {
    const { port } = await start();
    const path = "/socket/websocket?vsn=2.0.0";
    const host = `localhost:${port}`;
    expect((await rawUpgrade(port, path, { host, origin: "http://localhost.evil.com" })).status).toBe(403);
    expect((await rawUpgrade(port, path, { host, origin: "null" })).status).toBe(403);
  });

  it("checks the origin on /auth_socket too, before the token", async () => {
    const { port } = await start();
    const res = await rawUpgrade(port, "/auth_socket/websocket?vsn=2.0.0", { host: `localhost:${port}`, origin: "http://evil.com" });
    expect(res.status).toBe(403);
  });
});

describe("vsn negotiation (scenario 26)", () => {
  it("refuses vsn=abc and unsupported versions with 403", async () => {
    const { port } = await start();
    for (const vsn of ["abc", "3.0.0", "2.1.0", "1.1.0", ""]) {
      expect((await rawUpgrade(port, `/socket/websocket?vsn=${vsn}`)).status, `vsn=${vsn}`).toBe(403);
    }
  });

  it("accepts 2.0.x as V2 arrays and 1.0.x / no vsn as V1 objects", async () => {
    const h = await start();
    const v2 = await h.connect("vsn=2.0.1");
    expect(await v2.request(["1", "1", "ping", "phx_join", {}])).toEqual(reply("1", "1", "ping", "ok", {}));
    for (const query of ["vsn=1.0.0", ""]) {
      const v1 = await h.connect(query);
      expect(await v1.request({ topic: "ping", event: "phx_join", payload: {}, ref: "1" })).toEqual({
        topic: "ping",
        event: "phx_reply",
        payload: { status: "ok", response: {} },
        ref: "1",
      });
    }
  });
});

describe("idle timeout (scenario 21)", () => {
  it("closes a silent connection, but not one that heartbeats", async () => {
    const h = await start({ socketTimeoutMs: 300 });
    const silent = await h.connect();
    const busy = await h.connect();
    let beats = 0;
    const deadline = Date.now() + 900;
    const closed = silent.waitClose(1_500);
    while (Date.now() < deadline) {
      beats += 1;
      expect(await busy.request([null, String(beats), "phoenix", "heartbeat", {}])).toEqual(reply(null, String(beats), "phoenix", "ok", {}));
      await sleep(100);
    }
    const { code } = await closed;
    expect(code).not.toBe(1000);
    expect(busy.isOpen).toBe(true);
  });
});
