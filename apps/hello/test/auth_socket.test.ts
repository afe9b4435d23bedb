// /auth_socket on the wire: token authentication, AuthChannel authorization, RecurringChannel
// and disconnect-by-id (part B §1, §2.6.1 and §7 scenarios 1–5, 10, 20, 21, 31).
import { sign, verify } from "fenix";
import { captureLog } from "fenix/testing";
import { describe, expect, it } from "vitest";
import { TOKEN_SALT } from "../src/app.js";
import { SECRET, helloPerTest } from "./support/hello.js";
import type { Hello } from "./support/hello.js";
import { httpGet, rawUpgrade } from "./support/http.js";
import { UpgradeRefused, WireClient, joinFrame, reply } from "./support/wire.js";

const start = helloPerTest();

const token = (userId: unknown, opts: { signedAt?: number; salt?: string } = {}) =>
  sign(SECRET, opts.salt ?? TOKEN_SALT, userId, opts.signedAt === undefined ? {} : { signedAt: opts.signedAt });

function authQuery(t?: string): string {
  return t === undefined ? "vsn=2.0.0" : `vsn=2.0.0&token=${encodeURIComponent(t)}`;
}

async function refusal(h: Hello, query: string): Promise<{ status: number; log: string }> {
  let status = 0;
  const log = await captureLog(async () => {
    status = (await rawUpgrade(h.port, `/auth_socket/websocket?${query}`)).status;
  });
  return { status, log };
}

describe("connect", () => {
  it("refuses a connection without a token with 403 and logs missing params (scenario 1)", async () => {
    const h = await start();
    const { status, log } = await refusal(h, authQuery());
    expect(status).toBe(403);
    expect(log).toContain("[error] AuthSocket connect error missing params");
  });

  it("refuses token=x with 403 and logs :invalid (scenario 2)", async () => {
    const h = await start();
    const { status, log } = await refusal(h, authQuery("x"));
    expect(status).toBe(403);
    expect(log).toContain("[error] AuthSocket connect error :invalid");
  });

  it("refuses a token signed with another salt or another secret (scenario 4)", async () => {
    const h = await start();
    const otherSalt = await refusal(h, authQuery(token(1, { salt: "invalid" })));
    expect(otherSalt.status).toBe(403);
    expect(otherSalt.log).toContain("AuthSocket connect error :invalid");
    const otherSecret = await refusal(h, authQuery(sign(`${SECRET}-other`, TOKEN_SALT, 1)));
    expect(otherSecret.status).toBe(403);
  });

  it("refuses a token older than one day with :expired, and accepts one just inside (scenario 5)", async () => {
    const h = await start();
    const now = Date.now() / 1000;
    const expired = await refusal(h, authQuery(token(1, { signedAt: now - 86_400 - 60 })));
    expect(expired.status).toBe(403);
    expect(expired.log).toContain("AuthSocket connect error :expired");
    const fresh = await rawUpgrade(h.port, `/auth_socket/websocket?${authQuery(token(1, { signedAt: now - 86_400 + 60 }))}`);
    expect(fresh.status).toBe(101);
  });

  it("upgrades with a valid token, and ping works (scenario 3)", async () => {
    const h = await start();
    const ws = await h.connect(authQuery(token(1)), "/auth_socket");
    expect(await ws.request(["1", "1", "ping", "phx_join", {}])).toEqual(reply("1", "1", "ping", "ok", {}));
    expect(await ws.request(["1", "2", "ping", "ping", {}])).toEqual(reply("1", "2", "ping", "ok", { ping: "pong" }));
  });

  it("rejects the ws client with status 403 too (no WebSocket close frame)", async () => {
    const h = await start();
    await expect(WireClient.open(h.wsUrl("/auth_socket", authQuery("x")))).rejects.toEqual(new UpgradeRefused(403));
  });

  it("does not serve /auth_socket/longpoll (scenario 31)", async () => {
    const h = await start();
    expect((await httpGet(`${h.base}/auth_socket/longpoll?vsn=2.0.0`)).status).toBe(404);
    // /socket enables long-poll (and SSE): a first poll opens a session.
    const poll = await httpGet(`${h.base}/socket/longpoll?vsn=2.0.0`);
    expect(poll.status).toBe(200);
    expect(JSON.parse(poll.text)).toMatchObject({ status: 410, token: expect.any(String), messages: [] });
    expect((await httpGet(`${h.base}/auth_socket/sse?topics=ping`)).status).toBe(404);
  });

  it("serves the page with a token that verifies to user 1", async () => {
    const h = await start();
    const page = await httpGet(`${h.base}/`);
    expect(page.status).toBe(200);
    const m = /window\.authToken = "([^"]+)"/.exec(page.text);
    expect(m).not.toBeNull();
    expect(verify(SECRET, TOKEN_SALT, m?.[1])).toEqual({ ok: true, data: 1 });
    const ws = await h.connect(authQuery(m?.[1]), "/auth_socket");
    expect(await ws.request(joinFrame("1", "user:1"))).toEqual(reply("1", "1", "user:1", "ok", {}));
  });
});

describe("AuthChannel (scenario 10)", () => {
  it("refuses user:2 to user 1 with unauthorized and a log, then accepts user:1 with the same refs", async () => {
    const h = await start();
    const ws = await h.connect(authQuery(token(1)), "/auth_socket");
    let refused: unknown;
    const log = await captureLog(async () => {
      refused = await ws.request(["1", "1", "user:2", "phx_join", {}]);
    });
    expect(refused).toEqual(reply("1", "1", "user:2", "error", { reason: "unauthorized" }));
    expect(log).toContain("[error] AuthChannel failed 2 != 1");
    expect(await ws.request(["1", "1", "user:1", "phx_join", {}])).toEqual(reply("1", "1", "user:1", "ok", {}));
  });

  it("compares ids as strings: user:01 is not user 1", async () => {
    const h = await start();
    const ws = await h.connect(authQuery(token(1)), "/auth_socket");
    expect(await ws.request(joinFrame("1", "user:01"))).toEqual(reply("1", "1", "user:01", "error", { reason: "unauthorized" }));
  });

  it("lets user 2 join user:2 only", async () => {
    const h = await start();
    const ws = await h.connect(authQuery(token(2)), "/auth_socket");
    expect(await ws.request(joinFrame("1", "user:2"))).toEqual(reply("1", "1", "user:2", "ok", {}));
    expect(await ws.request(joinFrame("2", "user:1"))).toEqual(reply("2", "2", "user:1", "error", { reason: "unauthorized" }));
  });

  it("does not route /socket topics on /auth_socket", async () => {
    const h = await start();
    const ws = await h.connect(authQuery(token(1)), "/auth_socket");
    expect(await ws.request(joinFrame("1", "wild:1:2"))).toEqual(reply(null, "1", "wild:1:2", "error", { reason: "unmatched topic" }));
  });
});

describe("RecurringChannel (scenarios 20, 21)", () => {
  async function collectTokens(ws: WireClient, count: number): Promise<string[]> {
    const tokens: string[] = [];
    for (let i = 0; i < count; i++) {
      const frame = (await ws.next(2_000)) as unknown[];
      expect(frame.slice(0, 4)).toEqual(["1", null, "recurring", "new_token"]);
      const payload = frame[4] as { token: string };
      expect(Object.keys(payload)).toEqual(["token"]);
      tokens.push(payload.token);
    }
    return tokens;
  }

  it("pushes fresh new_token tokens repeatedly, each verifying to user 1", async () => {
    const h = await start({ recurringMs: 200 });
    const ws = await h.connect(authQuery(token(1)), "/auth_socket");
    expect(await ws.request(joinFrame("1", "recurring"))).toEqual(reply("1", "1", "recurring", "ok", {}));
    const tokens = await collectTokens(ws, 3);
    for (const t of tokens) expect(verify(SECRET, TOKEN_SALT, t, { maxAge: 86_400 })).toEqual({ ok: true, data: 1 });
    expect(new Set(tokens).size).toBe(3);
  });

  it("stops pushing after the client leaves", async () => {
    const h = await start({ recurringMs: 200 });
    const ws = await h.connect(authQuery(token(1)), "/auth_socket");
    expect(await ws.request(joinFrame("1", "recurring"))).toEqual(reply("1", "1", "recurring", "ok", {}));
    await collectTokens(ws, 1);
    ws.send(["1", "9", "recurring", "phx_leave", {}]);
    // A token already on its way may precede the leave reply.
    let frame = await ws.next();
    if ((frame as unknown[])[3] === "new_token") frame = await ws.next();
    expect(frame).toEqual(reply("1", "9", "recurring", "ok", {}));
    expect(await ws.next()).toEqual(["1", "1", "recurring", "phx_close", {}]);
    await ws.expectNone(700);
  });

  it("stops pushing after the connection closes (and a new connection starts afresh)", async () => {
    const h = await start({ recurringMs: 200 });
    const first = await h.connect(authQuery(token(1)), "/auth_socket");
    expect(await first.request(joinFrame("1", "recurring"))).toEqual(reply("1", "1", "recurring", "ok", {}));
    await collectTokens(first, 1);
    first.terminate();
    await first.waitClose();
    const second = await h.connect(authQuery(token(1)), "/auth_socket");
    expect(await second.request(joinFrame("1", "recurring"))).toEqual(reply("1", "1", "recurring", "ok", {}));
    await collectTokens(second, 2);
    expect(h.endpoint.connections.size).toBe(1);
  });
});

describe("disconnect by socket id", () => {
  it("closes every socket of auth_socket:1 with 1001 and no frame, leaving user 2 connected", async () => {
    const h = await start();
    const a = await h.connect(authQuery(token(1)), "/auth_socket");
    const b = await h.connect(authQuery(token(1)), "/auth_socket");
    const other = await h.connect(authQuery(token(2)), "/auth_socket");
    for (const ws of [a, b, other]) expect(await ws.request(joinFrame("1", "ping"))).toEqual(reply("1", "1", "ping", "ok", {}));
    await h.endpoint.broadcast("auth_socket:1", "disconnect", {});
    expect((await a.waitClose()).code).toBe(1001);
    expect((await b.waitClose()).code).toBe(1001);
    await expect(a.nextRaw(50)).rejects.toThrow(/closed/);
    expect(await other.request(["1", "2", "ping", "ping", {}])).toEqual(reply("1", "2", "ping", "ok", { ping: "pong" }));
  });

  it("ignores other events broadcast to the socket id", async () => {
    const h = await start();
    const ws = await h.connect(authQuery(token(1)), "/auth_socket");
    await h.endpoint.broadcast("auth_socket:1", "hello", {});
    await ws.expectNone(300);
    expect(ws.isOpen).toBe(true);
  });
});
