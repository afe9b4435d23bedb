// The shipped deploy/nginx/fenix.conf, rendered with this test's ports, in front of two
// HelloSockets processes on one Redis: phoenix.js (WebSocket and long-poll) and SSE through nginx,
// and a backend restart that moves one client to the other node while another stays connected.
// nginx must be installed (scripts/ensure-tools.sh nginx:nginx): without it these tests fail.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { EventSource } from "eventsource";
import { LongPoll, Socket } from "phoenix";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRedis } from "../../../packages/fenix/test/support/redis.js";
import type { TestRedis } from "../../../packages/fenix/test/support/redis.js";
import { API_KEY, HelloNode, Member, sleep, waitConverged, waitUntil } from "./support/cluster.js";
import { httpGet, publish, rawUpgrade } from "./support/http.js";
import { SHIPPED_CONF, nginxBinary, startNginx } from "./support/nginx.js";
import type { Nginx } from "./support/nginx.js";
import { freePort } from "./support/process.js";

const nodes: HelloNode[] = [];
const cleanups: (() => void)[] = [];
let redis: TestRedis | undefined;
let nginx: Nginx | undefined;
/** Why nginx could not be found: every test that needs it fails with this (never skips). */
let missing: Error | undefined;

function needNginx(): Nginx {
  if (missing) throw missing;
  if (!nginx) throw new Error("nginx did not start (see the beforeAll error)");
  return nginx;
}

function member(user: string, room?: string, ping = false): Member {
  const m = new Member({ url: nginx!.socketUrl, user, room, ping });
  cleanups.push(() => m.disconnect());
  return m;
}

function viaNginx(body: { topic: string; event: string; payload?: object }) {
  return publish(nginx!.base, API_KEY, body);
}

/** Access-log lines (the shipped `fenix` format) whose request contains `marker`. */
function logged(marker: string): string[] {
  return nginx!
    .accessLog()
    .split("\n")
    .filter((line) => line.includes(marker));
}

function upstreamOf(line: string): string | undefined {
  return /upstream=(\S+)/.exec(line)?.[1];
}

beforeAll(async () => {
  try {
    nginxBinary();
  } catch (err) {
    missing = err as Error;
    return;
  }
  redis = await startRedis();
  const [p1, p2, listenPort] = await Promise.all([freePort(), freePort(), freePort()]);
  nodes.push(new HelloNode("node-1", p1, redis.url), new HelloNode("node-2", p2, redis.url));
  await Promise.all(nodes.map((n) => n.start()));
  nginx = await startNginx({ listenPort, backends: [p1, p2] });
});

afterAll(async () => {
  for (const fn of cleanups.splice(0)) {
    try {
      fn();
    } catch {
      // best effort: the processes go next whatever happens
    }
  }
  await Promise.allSettled([nginx?.stop(), ...nodes.map((n) => n.kill())]);
  await redis?.stop();
});

describe.sequential("nginx in front of two Fenix nodes", () => {
  it("ships a config with WebSocket upgrade, long timeouts, SSE without buffering and passive failover", () => {
    const conf = readFileSync(SHIPPED_CONF, "utf8");
    expect(conf).toMatch(/upstream fenix \{[^}]*least_conn;[^}]*server 127\.0\.0\.1:4001[^}]*server 127\.0\.0\.1:4002/);
    expect(conf).toMatch(/proxy_http_version 1\.1;/);
    expect(conf).toMatch(/map \$http_upgrade \$connection_upgrade/);
    expect(conf).toMatch(/proxy_set_header Upgrade \$http_upgrade;/);
    expect(conf).toMatch(/proxy_set_header Connection \$connection_upgrade;/);
    expect(conf).toMatch(/proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;/);
    expect(conf).toMatch(/proxy_next_upstream error timeout http_502 http_503;/);
    for (const directive of ["proxy_read_timeout", "proxy_send_timeout"]) {
      const seconds = Number(new RegExp(`${directive} (\\d+)s;`).exec(conf)?.[1]);
      expect(seconds, `${directive} must be well above phoenix.js's 30 s heartbeat`).toBeGreaterThanOrEqual(60);
    }
    expect(conf).toMatch(/location \/socket\/sse \{[^}]*proxy_buffering off;/);
    // And the rendered copy is what nginx -t accepted and now runs with.
    needNginx();
    expect(nginx!.conf).toContain(`listen 127.0.0.1:${nginx!.port};`);
    for (const node of nodes) expect(nginx!.conf).toContain(`server 127.0.0.1:${node.port} max_fails=0;`);
  });

  it("passes the browser's Host through, so the origin check accepts the page's origin and refuses others", async () => {
    needNginx();
    const path = "/socket/websocket?vsn=2.0.0";
    expect((await rawUpgrade(nginx!.port, path, { origin: `http://127.0.0.1:${nginx!.port}` })).status).toBe(101);
    expect((await rawUpgrade(nginx!.port, path, { origin: "http://evil.example" })).status).toBe(403);
    const health = await httpGet(`${nginx!.base}/health`);
    expect([health.status, health.json]).toEqual([200, { status: "ok" }]);
  });

  it("a backend restart: the client on it reconnects through nginx and rejoins; the other client stays connected", async () => {
    needNginx();
    const mover = member("mover", "room:lb", true);
    await mover.joined();
    // least_conn: with one socket open on one node, the next goes to the other.
    const stayer = member("stayer", "room:lb", true);
    await stayer.joined();
    await waitConverged([mover, stayer], ["mover", "stayer"], 3_000, "both clients through nginx");

    const where = async (tag: string) => {
      const id = randomUUID();
      expect((await viaNginx({ topic: "ping", event: "request_ping", payload: { id } })).status).toBe(200);
      await waitUntil(() => [mover, stayer].every((m) => m.received("send_ping", (p) => p.id === id).length === 1), 3_000, `send_ping (${tag})`);
      return [mover, stayer].map((m) => m.received("send_ping", (p) => p.id === id)[0].from_node as string);
    };
    const [moverNode, stayerNode] = await where("before");
    expect(moverNode, "least_conn should have put the two sockets on different nodes").not.toBe(stayerNode);
    const victim = nodes.find((n) => n.name === moverNode)!;

    const stoppedAt = Date.now();
    expect(await victim.stop(), "SIGTERM exit code").toBe(0);
    expect(mover.closes).toEqual([1012]);
    await mover.joined(2, 5_000);
    const rejoinedIn = Date.now() - stoppedAt;
    const [moverNow] = await where("after the stop");
    console.log(`mover (on ${moverNode}) rejoined ${rejoinedIn} ms after SIGTERM, now on ${moverNow}`);
    expect(moverNow).toBe(stayerNode);

    await victim.start();
    await waitConverged([mover, stayer], ["mover", "stayer"], 3_000, "after the restart");
    expect(mover.snapshot().every(([, refs]) => refs.length === 1)).toBe(true);

    // nginx takes the restarted node back (after fail_timeout) without being told.
    const backIn = await waitUntil(
      async () => {
        const probe = randomUUID();
        await httpGet(`${nginx!.base}/health?probe=${probe}`);
        await sleep(20);
        return logged(probe).some((line) => upstreamOf(line) === `127.0.0.1:${victim.port}`);
      },
      12_000,
      `nginx to route to the restarted ${victim.name} again`,
      () => nginx!.accessLog().split("\n").slice(-5),
      0,
    );
    console.log(`nginx routed to the restarted ${victim.name} ${backIn} ms after it was listening`);

    // Publish-API broadcasts through nginx (served by either node) reach both clients once.
    const ids = Array.from({ length: 4 }, () => randomUUID());
    for (const id of ids) expect((await viaNginx({ topic: "room:lb", event: "news", payload: { id } })).status).toBe(200);
    await waitUntil(
      () => [mover, stayer].every((m) => ids.every((id) => m.received("news", (p) => p.id === id).length > 0)),
      3_000,
      "every broadcast on both clients",
    );
    await sleep(500);
    for (const m of [mover, stayer])
      for (const id of ids)
        expect(
          m.received("news", (p) => p.id === id),
          m.user,
        ).toHaveLength(1);
    const servedBy = new Set(logged("POST /api/broadcast").map(upstreamOf));
    console.log(`publish API served by ${[...servedBy].join(", ")}`);

    // A newcomer through nginx joins the same room, and all three lists agree.
    const newcomer = member("newcomer", "room:lb");
    await newcomer.joined();
    await waitConverged([mover, stayer, newcomer], ["mover", "newcomer", "stayer"], 3_000, "with a newcomer");

    expect([stayer.opens, stayer.roomJoins, stayer.pingJoins], "the stayer reconnected or rejoined").toEqual([1, 1, 1]);
    expect(stayer.closes).toEqual([]);
    expect([mover.opens, mover.roomJoins, mover.pingJoins]).toEqual([2, 2, 2]);
    expect(nginx!.errorLog()).not.toMatch(/\[(emerg|crit)\]/);
    for (const m of [mover, stayer, newcomer]) m.disconnect();
  });

  it("phoenix.js long-poll works through nginx although its requests land on both nodes", async () => {
    needNginx();
    const socket = new Socket(nginx!.socketUrl, { transport: LongPoll, timeout: 2_000, reconnectAfterMs: () => 50, rejoinAfterMs: () => 50 }) as any;
    cleanups.push(() => socket.disconnect());
    socket.connect();
    const channel = socket.channel("ping");
    const joined = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("long-poll join through nginx timed out")), 5_000);
      channel.join().receive("ok", () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    expect(joined).toBe(true);
    const pings: any[] = [];
    channel.on("send_ping", (p: any) => pings.push(p));
    const id = randomUUID();
    expect((await viaNginx({ topic: "ping", event: "request_ping", payload: { id } })).status).toBe(200);
    await waitUntil(() => pings.length > 0, 5_000, "send_ping over long-poll");
    expect(pings).toEqual([{ id, from_node: expect.stringMatching(/^node-[12]$/) }]);
    for (let i = 0; i < 3; i++) {
      const reply = await new Promise((resolve) => channel.push("ping", {}).receive("ok", resolve).receive("error", resolve).receive("timeout", resolve));
      expect(reply).toEqual({ ping: "pong" });
    }
    // With a GET held on one node, least_conn sends the POSTs to the other: the session lives on
    // one node and the other relays over PubSub, no stickiness needed. (Lines are logged when a
    // request completes, hence the wait.)
    const upstreams = () => new Set(logged("/socket/longpoll").map(upstreamOf));
    await waitUntil(
      () => upstreams().size === 2,
      3_000,
      "long-poll requests served by both nodes",
      () => logged("/socket/longpoll"),
    );
    socket.disconnect();
  });

  it("SSE through nginx delivers each event at once", async () => {
    needNginx();
    const source = new EventSource(`${nginx!.base}/socket/sse?topics=ping`);
    cleanups.push(() => source.close());
    const events: { type: string; data: any; at: number }[] = [];
    for (const type of ["phx_reply", "send_ping"])
      source.addEventListener(type, (e: MessageEvent) => events.push({ type, data: JSON.parse(e.data), at: Date.now() }));
    await waitUntil(() => events.some((e) => e.type === "phx_reply" && e.data.status === "ok"), 5_000, "the SSE join reply");
    const id = randomUUID();
    const sentAt = Date.now();
    expect((await viaNginx({ topic: "ping", event: "request_ping", payload: { id } })).status).toBe(200);
    await waitUntil(() => events.some((e) => e.type === "send_ping"), 2_000, "send_ping over SSE");
    const got = events.find((e) => e.type === "send_ping")!;
    expect(got.data).toEqual({ topic: "ping", payload: { id, from_node: expect.stringMatching(/^node-[12]$/) } });
    expect(got.at - sentAt, "SSE event held back by a buffer").toBeLessThan(1_000);
    source.close();
  });
});
