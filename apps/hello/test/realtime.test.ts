// HelloSockets mounts @fenix/realtime at /realtime/v1: the real @supabase/realtime-js connects by
// URL and key alone, and hello's hook decides who may use which private channel.
import { RealtimeClient } from "@supabase/realtime-js";
import type { RealtimeChannel } from "@supabase/realtime-js";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { authorizeRealtime } from "../src/realtime_auth.js";
import { startHello } from "./support/hello.js";
import type { Hello } from "./support/hello.js";

const JWT_SECRET = "hello-realtime-test-jwt-secret-0123456789";
let hello: Hello;
const clients: RealtimeClient[] = [];

function jwt(claims: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({ role: "anon", ...claims })
    .setProtectedHeader({ alg: "HS256" })
    .setIssuedAt()
    .setExpirationTime("1h")
    .sign(new TextEncoder().encode(JWT_SECRET));
}

async function connect(accessToken?: string): Promise<RealtimeClient> {
  const client = new RealtimeClient(`ws://127.0.0.1:${hello.port}/realtime/v1`, { params: { apikey: await jwt() }, transport: WebSocket as never });
  if (accessToken) await client.setAuth(accessToken);
  clients.push(client);
  return client;
}

function status(channel: RealtimeChannel): Promise<{ status: string; message?: string }> {
  return new Promise((resolve) => channel.subscribe((s, err) => resolve({ status: s, message: err?.message })));
}

function next(channel: RealtimeChannel, event: string): Promise<unknown> {
  return new Promise((resolve) => channel.on("broadcast", { event }, resolve));
}

beforeAll(async () => {
  hello = await startHello({ realtimeJwtSecret: JWT_SECRET });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.removeAllChannels()));
  await hello.stop();
});

describe("hello's /realtime/v1", () => {
  it("public broadcast between two realtime-js clients", async () => {
    const topic = `hello-${Date.now()}`;
    const listener = (await connect()).channel(topic);
    const got = next(listener, "wave");
    expect(await status(listener)).toEqual({ status: "SUBSCRIBED", message: undefined });
    const sender = (await connect()).channel(topic);
    await status(sender);
    await sender.send({ type: "broadcast", event: "wave", payload: { hi: 1 } });
    expect(await got).toEqual({ type: "broadcast", event: "wave", payload: { hi: 1 } });
  });

  it("realtime:private-<sub> only for the token whose sub is <sub>", async () => {
    const ann = await connect(await jwt({ sub: "ann" }));
    expect((await status(ann.channel("private-ann", { config: { private: true } }))).status).toBe("SUBSCRIBED");
    expect(await status(ann.channel("private-bob", { config: { private: true } }))).toEqual({
      status: "CHANNEL_ERROR",
      message: "Unauthorized: You do not have permissions to read from this Channel topic: private-bob",
    });
    expect((await status(ann.channel("lobby", { config: { private: true } }))).status).toBe("CHANNEL_ERROR");
    const anonymous = await connect();
    expect((await status(anonymous.channel("private-ann", { config: { private: true } }))).status).toBe("CHANNEL_ERROR");
  });

  it("HTTP broadcast at /realtime/v1/api/broadcast reaches subscribers", async () => {
    const topic = `hello-http-${Date.now()}`;
    const listener = (await connect()).channel(topic);
    const got = next(listener, "news");
    await status(listener);
    const res = await fetch(`${hello.base}/realtime/v1/api/broadcast`, {
      method: "POST",
      headers: { "content-type": "application/json", apikey: await jwt() },
      body: JSON.stringify({ messages: [{ topic, event: "news", payload: { n: 1 } }] }),
    });
    expect(res.status).toBe(202);
    expect(await got).toEqual({ type: "broadcast", event: "news", payload: { n: 1 } });
  });
});

describe("authorizeRealtime", () => {
  const claims = (sub?: string) => ({ role: "authenticated", exp: 0, sub });
  it("matches the topic to the token's sub, and nothing else", () => {
    expect(authorizeRealtime("realtime:private-ann", claims("ann"))).toBe(true);
    expect(authorizeRealtime("realtime:private-ann", claims("bob"))).toBe(false);
    expect(authorizeRealtime("realtime:private-", claims(""))).toBe(false);
    expect(authorizeRealtime("realtime:private-", claims())).toBe(false);
    expect(authorizeRealtime("realtime:room", claims("room"))).toBe(false);
  });
});
