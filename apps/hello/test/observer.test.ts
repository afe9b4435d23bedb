// HelloSockets' `GET /ops/observer` (Basic Auth): the node's memory, GC, event loop, counts and
// rates, and its connections sorted and paginated, with ids and topics hashed.
import { sign } from "fenix";
import { describe, expect, it } from "vitest";
import { TOKEN_SALT } from "../src/app.js";
import { SECRET, helloPerTest } from "./support/hello.js";
import { joinFrame } from "./support/wire.js";

const start = helloPerTest();
const ADMIN = { user: "ops", password: "s3cret" };
const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` });

async function get(base: string, query = "", headers: Record<string, string> = basic(ADMIN.user, ADMIN.password)) {
  const response = await fetch(`${base}/ops/observer${query}`, { headers });
  return { status: response.status, json: (await response.json()) as any };
}

describe("GET /ops/observer", () => {
  it("is off without admin credentials", async () => {
    expect((await get((await start()).base)).status).toBe(404);
  });

  it("refuses wrong credentials and bad queries", async () => {
    const h = await start({ admin: ADMIN });
    expect((await get(h.base, "", {})).status).toBe(401);
    expect((await get(h.base, "", basic("ops", "nope"))).status).toBe(401);
    expect((await get(h.base, "?sort=size")).status).toBe(400);
    expect((await get(h.base, "?page=0")).status).toBe(400);
  });

  it("shows the node and its connections, busiest first by reductions, ids and topics hashed", async () => {
    const h = await start({ admin: ADMIN });
    const quiet = await h.connect();
    await quiet.request(joinFrame("1", "ping"));
    const token = encodeURIComponent(sign(SECRET, TOKEN_SALT, 42));
    const busy = await h.connect(`vsn=2.0.0&token=${token}`, "/auth_socket");
    await busy.request(joinFrame("1", "user:42"));
    for (let i = 0; i < 5; i++) await busy.request([null, `h${i}`, "phoenix", "heartbeat", {}]);

    const { status, json } = await get(h.base, "?sort=reductions");
    expect(status).toBe(200);
    expect(json.memory.rss).toBeGreaterThan(0);
    expect(json.memory.heapUsed).toBeGreaterThan(0);
    expect(typeof json.gc.count).toBe("number");
    expect(json.eventLoop.delayMs.p99).toBeGreaterThanOrEqual(0);
    expect(json.eventLoop.utilization).toBeGreaterThanOrEqual(0);
    expect(json.counts).toMatchObject({ connections: 2, channels: 2 });
    expect(json.totals.messagesIn).toBeGreaterThanOrEqual(7);
    expect(typeof json.rates.messagesInPerSecond).toBe("number");
    const [first, second] = json.connectionList.items;
    expect(first.socket).toBe("AuthSocket");
    expect(first.messagesIn).toBe(6);
    expect(first.id).toMatch(/^auth_socket:#[0-9a-f]{8}$/);
    expect(first.channels[0]).toMatchObject({ pattern: "user:*", channel: "AuthChannel", queue: 0 });
    expect(first.channels[0].topic).toMatch(/^user:#[0-9a-f]{8}$/);
    expect(JSON.stringify(json)).not.toContain("user:42");
    expect(second.socket).toBe("UserSocket");
    expect(second.channels[0].topic).toBe("ping");

    const paged = await get(h.base, "?sort=memory&page=2");
    // A page past the last shows the last one.
    expect(paged.json.connectionList).toMatchObject({ sort: "memory", page: 1, pages: 1 });
  });
});

describe("admin actions", () => {
  const post = (base: string, action: string, body: object) =>
    fetch(`${base}/ops/observer/${action}`, {
      method: "POST",
      headers: { ...basic(ADMIN.user, ADMIN.password), "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  it("are off by default", async () => {
    const h = await start({ admin: ADMIN });
    expect((await post(h.base, "disconnect", { ref: 1 })).status).toBe(403);
  });

  it("stop a channel (phx_close, no rejoin) and disconnect a socket", async () => {
    const h = await start({ admin: ADMIN, adminActions: true });
    const client = await h.connect();
    await client.request(joinFrame("1", "ping"));
    const { json } = await get(h.base);
    const [item] = json.connectionList.items;
    expect((await post(h.base, "stop", { ref: item.ref, topic: item.channels[0].topic })).status).toBe(200);
    expect(await client.next()).toEqual(["1", "1", "ping", "phx_close", {}]);
    expect((await get(h.base)).json.counts.channels).toBe(0);
    expect((await post(h.base, "stop", { ref: item.ref, topic: "ping" })).status).toBe(404);
    expect((await post(h.base, "disconnect", { ref: item.ref })).status).toBe(200);
    await expect.poll(() => client.closed?.code).toBe(1000);
    expect((await post(h.base, "disconnect", { ref: item.ref })).status).toBe(404);
  });
});
