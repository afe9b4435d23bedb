// The root README's "Self-host Supabase-style Broadcast and Presence on Fenix": its server lines as
// printed, and its client lines run by two real @supabase/realtime-js clients (ann and bob).
import { type RealtimeChannel, RealtimeClient } from "@supabase/realtime-js";
import { Endpoint } from "fenix";
import { SignJWT } from "jose";
import { afterAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { realtime } from "@fenix/realtime";

process.env.REALTIME_JWT_SECRET = "readme-test-realtime-jwt-secret-0123456789";

// ---- The README's server. Port 0 instead of 4000, and no `pubsubAdapter: new RedisAdapter(...)`:
// one node needs no Redis, the endpoint's in-memory PubSub carries the broadcasts and presence.
const endpoint = new Endpoint({ presence: true });
realtime(endpoint, { jwtSecret: process.env.REALTIME_JWT_SECRET, authorize: (topic, claims) => topic === `realtime:private-${claims.sub}` });
const server = await endpoint.listen(0);
// ---- End of the README's server.

const port = (server.address() as { port: number }).port;

/** A Supabase-style key (`role` and `exp` required), signed with the server's JWT secret. */
function apikeyFor(sub: string): Promise<string> {
  return new SignJWT({ role: "authenticated", sub })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt()
    .setExpirationTime("1h")
    .sign(new TextEncoder().encode(process.env.REALTIME_JWT_SECRET));
}

const clients: RealtimeClient[] = [];
afterAll(async () => {
  for (const client of clients) await client.removeAllChannels();
  for (const client of clients) await client.disconnect();
  await endpoint.close();
});

interface Screen {
  cursors: unknown[];
  /** The keys of each presenceState() rendered, newest last. */
  renders: string[][];
  room: RealtimeChannel;
}

// The README's client lines, with its `"ann"` as a parameter, `draw`/`render` recording what they
// are given, and `transport: WebSocket` (ws) because Node 20 has no global WebSocket.
async function join(key: string): Promise<Screen> {
  const apikey = await apikeyFor(key);
  const cursors: unknown[] = [];
  const renders: string[][] = [];
  const draw = (payload: unknown) => cursors.push(payload);
  const render = (state: Record<string, unknown>) => renders.push(Object.keys(state).sort());

  const client = new RealtimeClient(`ws://localhost:${port}/realtime/v1`, { params: { apikey }, transport: WebSocket as never });
  clients.push(client);
  const room = client.channel("room1", { config: { presence: { key } } });
  room
    .on("broadcast", { event: "cursor" }, ({ payload }) => draw(payload))
    .on("presence", { event: "sync" }, () => render(room.presenceState()))
    .subscribe((status) => status === "SUBSCRIBED" && room.track({ online_at: Date.now() }));
  return { cursors, renders, room };
}

const until = async (check: () => boolean, what: string) => {
  await expect.poll(check, { timeout: 10_000, message: what }).toBe(true);
};

describe("the README's Supabase-style Broadcast and Presence", () => {
  it("syncs both presence keys and delivers a cursor broadcast from one client to the other", async () => {
    const ann = await join("ann");
    const bob = await join("bob");

    // Each screen renders both keys only once both clients have joined and tracked.
    const both = (s: Screen) => s.renders.at(-1)?.join() === "ann,bob";
    await until(() => both(ann) && both(bob), "both screens rendering ann and bob");
    expect(Object.keys(ann.room.presenceState()).sort()).toEqual(["ann", "bob"]);
    expect(ann.room.presenceState().bob).toEqual([{ online_at: expect.any(Number), presence_ref: expect.any(String) }]);

    expect(await ann.room.send({ type: "broadcast", event: "cursor", payload: { x: 10, y: 20 } })).toBe("ok");
    await until(() => bob.cursors.length === 1, "bob drawing ann's cursor");
    expect(bob.cursors).toEqual([{ x: 10, y: 20 }]);
    // Bob's cursor reaching ann shows she was listening, and never drew her own (no `self`).
    await bob.room.send({ type: "broadcast", event: "cursor", payload: { x: 30, y: 40 } });
    await until(() => ann.cursors.length === 1, "ann drawing bob's cursor");
    expect(ann.cursors).toEqual([{ x: 30, y: 40 }]);
  });

  it("lets each user into their own private channel only, as the authorize hook says", async () => {
    const apikey = await apikeyFor("ann");
    const client = new RealtimeClient(`ws://localhost:${port}/realtime/v1`, { params: { apikey }, transport: WebSocket as never });
    clients.push(client);
    const status = (name: string) =>
      new Promise<string>((resolve) => client.channel(name, { config: { private: true } }).subscribe((s) => s !== "CLOSED" && resolve(s)));
    expect(await status("private-ann")).toBe("SUBSCRIBED");
    expect(await status("private-bob")).toBe("CHANNEL_ERROR");
  });
});
