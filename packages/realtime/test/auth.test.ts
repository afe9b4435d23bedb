import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SignJWT, exportJWK, generateKeyPair } from "jose";
import WebSocket from "ws";
import { client, closeClients, inbox, name, startNode, subscribe, subscribed, token } from "./support.js";
import type { Node } from "./support.js";

let node: Node;
let apikey: string;

beforeAll(async () => {
  node = await startNode({ expiryTickMs: 100 });
  apikey = await token();
});
afterEach(closeClients);
afterAll(() => node.endpoint.close());

/** The handshake's answer: 101, or the refusal's status and body. */
function handshake(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on("open", () => {
      ws.close();
      resolve({ status: 101, body: "" });
    });
    ws.on("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on("error", reject);
  });
}

describe("connect", () => {
  it("needs a valid apikey, as a param or an x-api-key header", async () => {
    const ws = `${node.url}/websocket`;
    expect(await handshake(`${ws}?vsn=2.0.0`)).toEqual({ status: 401, body: JSON.stringify({ error: "API key is missing or not a valid string" }) });
    expect(await handshake(`${ws}?vsn=2.0.0&apikey=nope`)).toEqual({ status: 401, body: JSON.stringify({ error: "The token provided is not a valid JWT" }) });
    const forged = await token({}, 3600, "another-secret-another-secret-another");
    expect(await handshake(`${ws}?vsn=2.0.0&apikey=${forged}`)).toEqual({ status: 401, body: JSON.stringify({ error: "Failed to validate JWT signature" }) });
    const noRole = await token({ role: undefined });
    expect((await handshake(`${ws}?vsn=2.0.0&apikey=${noRole}`)).status).toBe(401);
    expect((await handshake(`${ws}?vsn=2.0.0&apikey=${apikey}`)).status).toBe(101);
    expect((await handshake(`${ws}?vsn=2.0.0`, { "x-api-key": apikey })).status).toBe(101);
    expect((await handshake(`${ws}?vsn=3.0.0&apikey=${apikey}`)).status).toBe(403);
  });
});

describe("channel tokens", () => {
  it("refuses a bare realtime: topic", async () => {
    const { status, err } = await subscribe(client(node.url, apikey).channel(""));
    expect(status).toBe("CHANNEL_ERROR");
    expect(err?.message).toBe("TopicNameRequired: You must provide a topic name");
  });

  it("refuses postgres_changes bindings clearly in the join reply", async () => {
    const ch = client(node.url, apikey)
      .channel(name())
      .on("postgres_changes", { event: "INSERT", schema: "public", table: "todos" }, () => {});
    const { status, err } = await subscribe(ch);
    expect(status).toBe("CHANNEL_ERROR");
    expect(err?.message).toBe(
      "PostgresChangesNotSupported: this server serves Broadcast and Presence only; unsupported bindings: postgres_changes(event=INSERT, schema=public, table=todos)",
    );
  });

  it("verifies the join's access_token: an expired one is refused", async () => {
    const c = client(node.url, apikey);
    await c.setAuth(await token({ sub: "u1" }, -5));
    const { status, err } = await subscribe(c.channel(name()));
    expect(status).toBe("CHANNEL_ERROR");
    expect(err?.message).toMatch(/^InvalidJWTToken: Token has expired \d+ seconds ago$/);
  });

  it("a token reaching exp while joined gets a system error, then the channel closes", async () => {
    const c = client(node.url, apikey);
    await c.setAuth(await token({ sub: "u1" }, 3));
    const system = inbox();
    const statuses: string[] = [];
    const ch = c.channel(name()).on("system", {}, (m) => system.push(m));
    const closed = new Promise<void>((resolve) =>
      ch.subscribe((status) => {
        statuses.push(status);
        if (status === "CLOSED") resolve();
      }),
    );
    const message = await system.next(10_000);
    expect(message).toEqual({
      extension: "system",
      status: "error",
      message: expect.stringMatching(/^Token has expired \d+ seconds ago$/),
      channel: ch.subTopic,
    });
    await closed;
    expect(statuses).toEqual(["SUBSCRIBED", "CLOSED"]);
    expect(ch.state).toBe("closed");
  });

  it("setAuth with a fresh token keeps the channel past the old token's exp", async () => {
    const c = client(node.url, apikey);
    const short = await token({ sub: "u1" }, 3);
    const exp = JSON.parse(Buffer.from(short.split(".")[1], "base64url").toString()).exp as number;
    await c.setAuth(short);
    const system = inbox();
    const got = inbox();
    const topic = name();
    const ch = await subscribed(
      c
        .channel(topic)
        .on("system", {}, (m) => system.push(m))
        .on("broadcast", { event: "late" }, (m) => got.push(m)),
    );
    await c.setAuth(await token({ sub: "u1" }, 3600));
    // Past the first token's exp plus a few expiry ticks (100 ms here), the channel still hears broadcasts.
    await new Promise((r) => setTimeout(r, Math.max(0, exp * 1000 + 500 - Date.now())));
    await node.realtime.broadcast(topic, "late", { ok: true });
    expect(await got.next()).toEqual({ type: "broadcast", event: "late", payload: { ok: true } });
    expect(system.items).toEqual([]);
    expect(ch.state).toBe("joined");
  });

  it("a refreshed token that fails verification: system error, then closed", async () => {
    const c = client(node.url, apikey);
    const system = inbox();
    const statuses = inbox<string>();
    const ch = c.channel(name()).on("system", {}, (m) => system.push(m));
    ch.subscribe((status) => statuses.push(status));
    expect(await statuses.next()).toBe("SUBSCRIBED");
    await c.setAuth(await token({ sub: "u1" }, 3600, "not-the-secret-not-the-secret-not-the"));
    expect(await system.next()).toEqual({ extension: "system", status: "error", message: "Failed to validate JWT signature", channel: ch.subTopic });
    expect(await statuses.next()).toBe("CLOSED");
  });
});

describe("private channels through the authorize hook", () => {
  it("refuses a private channel the hook refuses, allows the one it allows", async () => {
    const c = client(node.url, apikey);
    await c.setAuth(await token({ sub: "alice" }));
    const refused = await subscribe(c.channel("private-bob", { config: { private: true } }));
    expect(refused.status).toBe("CHANNEL_ERROR");
    expect(refused.err?.message).toBe("Unauthorized: You do not have permissions to read from this Channel topic: private-bob");
    const allowed = await subscribe(c.channel("private-alice", { config: { private: true } }));
    expect(allowed.status).toBe("SUBSCRIBED");
  });

  it("a refreshed token is authorized again: losing the topic closes the private channel", async () => {
    const c = client(node.url, apikey);
    await c.setAuth(await token({ sub: "alice" }));
    const system = inbox();
    const statuses = inbox<string>();
    const ch = c.channel("private-alice", { config: { private: true } }).on("system", {}, (m) => system.push(m));
    ch.subscribe((status) => statuses.push(status));
    expect(await statuses.next()).toBe("SUBSCRIBED");
    await c.setAuth(await token({ sub: "bob" }));
    expect(await system.next()).toEqual({
      extension: "system",
      status: "error",
      message: "You no longer have permission to read from this Channel topic: private-alice",
      channel: "private-alice",
    });
    expect(await statuses.next()).toBe("CLOSED");
  });

  it("keeps private and public channels of the same name apart", async () => {
    const alice = client(node.url, apikey);
    await alice.setAuth(await token({ sub: "alice" }));
    const privateGot = inbox();
    const privateCh = await subscribed(
      alice.channel("private-alice", { config: { private: true } }).on("broadcast", { event: "*" }, (m) => privateGot.push(m)),
    );
    const eve = client(node.url, apikey);
    const eveGot = inbox();
    const eveCh = await subscribed(eve.channel("private-alice").on("broadcast", { event: "*" }, (m) => eveGot.push(m)));
    await eveCh.send({ type: "broadcast", event: "spoof", payload: {} });
    await privateCh.send({ type: "broadcast", event: "secret", payload: {} });
    await node.realtime.broadcast("private-alice", "secret2", {}, { private: true });
    await node.realtime.broadcast("private-alice", "public", {});
    expect(await eveGot.next()).toMatchObject({ event: "public" });
    expect(eveGot.items.map((m) => m.event)).toEqual(["public"]);
    expect(await privateGot.next()).toMatchObject({ event: "secret2" });
    expect(privateGot.items.map((m) => m.event)).toEqual(["secret2"]);
  });
});

describe("JWKS", () => {
  it("verifies asymmetric tokens against a key set, and refuses keys it does not hold", async () => {
    const { publicKey, privateKey } = await generateKeyPair("ES256");
    const other = await generateKeyPair("ES256");
    const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "ES256" };
    const keyed = await startNode({ jwtSecret: undefined, jwks: { keys: [jwk] } });
    const sign = (key: CryptoKey | Uint8Array | object, kid: string) =>
      new SignJWT({ role: "authenticated", sub: "ann" })
        .setProtectedHeader({ alg: "ES256", kid })
        .setIssuedAt()
        .setExpirationTime("1h")
        .sign(key as CryptoKey);
    try {
      const good = await sign(privateKey, "k1");
      const got = inbox();
      await subscribed(
        client(keyed.url, good)
          .channel("keyed")
          .on("broadcast", { event: "e" }, (m) => got.push(m)),
      );
      await keyed.realtime.broadcast("keyed", "e", { ok: 1 });
      expect(await got.next()).toEqual({ type: "broadcast", event: "e", payload: { ok: 1 } });
      const bad = await sign(other.privateKey, "k1");
      expect(await handshake(`${keyed.url}/websocket?vsn=2.0.0&apikey=${bad}`)).toEqual({
        status: 401,
        body: JSON.stringify({ error: "Failed to validate JWT signature" }),
      });
      // A shared-secret token means nothing to a JWKS-only server.
      expect((await handshake(`${keyed.url}/websocket?vsn=2.0.0&apikey=${apikey}`)).status).toBe(401);
    } finally {
      await closeClients();
      await keyed.endpoint.close();
    }
  });
});
