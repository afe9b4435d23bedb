// 5 000 clients reconnecting at once: the node's connect-rate cap answers the excess with
// 503 + Retry-After, the clients honour it (plus jitter) and all get back in, and meanwhile
// the node keeps answering a probe client's heartbeats and GET /health.
import { readFileSync } from "node:fs";
import { Agent, get } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { Worker } from "node:worker_threads";
import { Endpoint, createLogger, defineChannel, defineSocket, websocket } from "fenix";
import { afterEach, expect, it } from "vitest";
import { WebSocket } from "ws";

const WANTED = 5_000;
const STORM_ID = "storm_clients";
const MAX_RETRY_MS = 5_000;
/** Each client costs two descriptors here (client and server side of one loopback connection). */
const FD_HEADROOM = 500;

function openFileLimit(): number {
  const line = readFileSync("/proc/self/limits", "utf8")
    .split("\n")
    .find((l) => l.startsWith("Max open files"));
  const soft = line?.split(/\s{2,}/)[1];
  return soft === undefined || soft === "unlimited" ? Number.POSITIVE_INFINITY : Number(soft);
}

function ephemeralPorts(): number {
  const [low, high] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
  return high - low + 1;
}

const fdLimit = openFileLimit();
const COUNT = Math.min(WANTED, Math.floor((fdLimit - FD_HEADROOM) / 2));
// Every client connects twice (plus 503 retries) within the TIME_WAIT window; with too few ports, spread the sources.
const LOCAL_ADDRESSES = ephemeralPorts() >= 4 * COUNT ? [undefined] : ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"];

const Storm = defineChannel({ name: "StormChannel" });
const StormSocket = defineSocket<{ group: string | null }>({
  name: "StormSocket",
  channels: [["storm:*", Storm]],
  connect(params, socket) {
    socket.assign({ group: params.group ?? null });
  },
  id: (socket) => (socket.assigns.group === "storm" ? STORM_ID : null),
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let cleanup: (() => Promise<void>) | undefined;

afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

interface Stats {
  joined: number;
  refused503: number;
  otherFailures: number;
  retryAfter: string[];
}

/**
 * The clients live in a worker thread (plain JS, run with `eval`), so their own CPU work does
 * not stall the server's event loop and the probe measures the node, not the test harness.
 * Each is minimal: connect, join, and on any server close reconnect at once (the stampede);
 * a 503 is retried after Retry-After plus up to 500 ms of jitter, capped.
 */
const CLIENTS_WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const WebSocket = require(workerData.wsPath);
const { url, count, localAddresses, maxRetryMs } = workerData;
let stats = { refused503: 0, otherFailures: 0, retryAfter: new Set() };
let stopped = false;
// Only joins since the last "reset" count, so a client still on its old connection is not counted back in.
let generation = 0;
const clients = [];
for (let i = 0; i < count; i++) clients.push({ index: i, ws: null, joined: -1, attempt: 0 });

function connect(client) {
  if (stopped) return;
  const attempt = ++client.attempt;
  const localAddress = localAddresses[client.index % localAddresses.length];
  const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: 15000, ...(localAddress ? { localAddress } : {}) });
  client.ws = ws;
  let settled = false;
  const retry = (ms) => {
    if (settled) return;
    settled = true;
    ws.terminate();
    if (!stopped && attempt === client.attempt) setTimeout(() => connect(client), ms);
  };
  ws.on("error", () => {
    if (settled) return;
    stats.otherFailures++;
    retry(100 + Math.random() * 400);
  });
  ws.on("unexpected-response", (req, res) => {
    if (settled) return;
    res.resume();
    req.destroy();
    if (res.statusCode !== 503) {
      stats.otherFailures++;
      return retry(500);
    }
    stats.refused503++;
    const header = String(res.headers["retry-after"]);
    stats.retryAfter.add(header);
    retry(Math.min(maxRetryMs, (Number(header) || 1) * 1000 + Math.random() * 500));
  });
  ws.on("open", () => ws.send(JSON.stringify(["1", "1", "storm:" + (client.index % 50), "phx_join", {}])));
  ws.on("message", (data) => {
    const [, ref, , event, payload] = JSON.parse(String(data));
    if (event === "phx_reply" && ref === "1" && payload.status === "ok") client.joined = generation;
  });
  ws.on("close", () => {
    if (settled) return;
    settled = true;
    client.joined = -1;
    // The server closed an established connection (the forced reconnect): come straight back.
    if (!stopped && attempt === client.attempt) connect(client);
  });
}

parentPort.on("message", (command) => {
  if (command === "connect") for (const client of clients) connect(client);
  if (command === "reset") {
    generation++;
    stats = { refused503: 0, otherFailures: 0, retryAfter: new Set() };
  }
  if (command === "stop") {
    stopped = true;
    for (const client of clients) client.ws?.terminate();
  }
  parentPort.postMessage({
    joined: clients.filter((c) => c.joined === generation).length,
    refused503: stats.refused503,
    otherFailures: stats.otherFailures,
    retryAfter: [...stats.retryAfter],
  });
});
`;

function startClients(url: string, count: number) {
  const worker = new Worker(CLIENTS_WORKER, {
    eval: true,
    workerData: { wsPath: createRequire(import.meta.url).resolve("ws"), url, count, localAddresses: LOCAL_ADDRESSES, maxRetryMs: MAX_RETRY_MS },
  });
  const errors: unknown[] = [];
  worker.on("error", (err) => errors.push(err));
  const ask = (command: "connect" | "reset" | "stop" | "stats"): Promise<Stats> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`clients worker did not answer ${command}`)), 10_000);
      worker.once("message", (stats: Stats) => {
        clearTimeout(timer);
        resolve(stats);
      });
      worker.postMessage(command);
    });
  return { ask, errors, terminate: () => worker.terminate() };
}

/** Heartbeats over an established connection and GET /health, every 100 ms, each answered within `limitMs`. */
function startProbe(port: number, limitMs: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const ws = new WebSocket(`ws://127.0.0.1:${port}/socket/websocket?vsn=2.0.0`, { perMessageDeflate: false });
  const pending = new Map<string, number>();
  const latencies = { heartbeat: 0, health: 0 };
  const failures: string[] = [];
  let count = 0;
  ws.on("error", (err) => failures.push(`probe socket error: ${err.message}`));
  ws.on("message", (data) => {
    const [, ref] = JSON.parse(String(data)) as [unknown, string];
    const at = pending.get(ref);
    if (at === undefined) return;
    pending.delete(ref);
    latencies.heartbeat = Math.max(latencies.heartbeat, performance.now() - at);
  });
  const opened = new Promise((resolve) => ws.once("open", resolve));
  const timer = setInterval(() => {
    const n = ++count;
    const now = performance.now();
    for (const [ref, at] of pending) if (now - at > limitMs) failures.push(`heartbeat ${ref} unanswered after ${limitMs} ms`);
    for (const [ref, at] of pending) if (now - at > limitMs) pending.delete(ref);
    pending.set(`hb${n}`, now);
    ws.send(JSON.stringify([null, `hb${n}`, "phoenix", "heartbeat", {}]));
    const req = get({ host: "127.0.0.1", port, path: "/health", agent, timeout: limitMs }, (res) => {
      res.resume();
      res.on("end", () => {
        if (res.statusCode !== 200) failures.push(`GET /health ${res.statusCode}`);
        latencies.health = Math.max(latencies.health, performance.now() - now);
      });
    });
    req.on("timeout", () => req.destroy(new Error(`GET /health unanswered after ${limitMs} ms`)));
    req.on("error", (err) => failures.push(err.message));
  }, 100);
  return {
    opened,
    latencies,
    failures,
    get count() {
      return count;
    },
    /** Resets the maxima, so they measure only the storm. */
    reset() {
      latencies.heartbeat = 0;
      latencies.health = 0;
    },
    async stop() {
      clearInterval(timer);
      const deadline = performance.now() + limitMs;
      while (pending.size > 0 && performance.now() < deadline) await sleep(10);
      for (const ref of pending.keys()) failures.push(`heartbeat ${ref} unanswered at the end`);
      ws.terminate();
      agent.destroy();
    },
  };
}

function listenOverflows(): number {
  try {
    const [names, values] = readFileSync("/proc/net/netstat", "utf8")
      .split("\n")
      .slice(0, 2)
      .map((l) => l.split(/\s+/));
    return Number(values[names.indexOf("ListenOverflows")]);
  } catch {
    return Number.NaN;
  }
}

it(`${COUNT} clients reconnecting at once all get back in, paced by 503 + Retry-After, while the node stays responsive`, { timeout: 90_000 }, async (ctx) => {
  if (COUNT < WANTED) {
    const message = `reconnect storm scaled DOWN to ${COUNT} clients: the open-file limit is ${fdLimit}, ${WANTED} clients need ${WANTED * 2 + FD_HEADROOM}`;
    console.warn(`[storm] WARNING: ${message}`);
    ctx.annotate?.(message, "warning");
  }
  const endpoint = new Endpoint({ logger: createLogger({ level: process.env.LOG_LEVEL ?? "silent" }), connectRate: { perSecond: 1000, burst: 1000 } });
  endpoint.socket("/socket", StormSocket, { transports: [websocket({ timeout: 120_000 })] });
  const server = await endpoint.listen(0, "127.0.0.1");
  const port = (server.address() as AddressInfo).port;
  const clients = startClients(`ws://127.0.0.1:${port}/socket/websocket?vsn=2.0.0&group=storm`, COUNT);
  const probe = startProbe(port, 2_000);
  cleanup = async () => {
    await clients.ask("stop").catch(() => {});
    await clients.terminate();
    await probe.stop();
    await endpoint.close();
  };
  await probe.opened;

  const waitAllJoined = async (what: string, ms: number): Promise<Stats> => {
    const deadline = performance.now() + ms;
    for (;;) {
      const stats = await clients.ask("stats");
      if (stats.joined === COUNT) return stats;
      if (performance.now() > deadline) throw new Error(`${what}: only ${stats.joined}/${COUNT} joined after ${ms} ms (${JSON.stringify(stats)})`);
      await sleep(50);
    }
  };

  // Phase 1: everyone connects and joins (the cap paces this too).
  const t0 = performance.now();
  await clients.ask("connect");
  const initial = await waitAllJoined("initial connect", 45_000);
  const initialMs = performance.now() - t0;
  await sleep(1_100); // let the token bucket refill, as a node at rest would have it
  expect(endpoint.connections.size).toBe(COUNT + 1);

  // Phase 2: the node drops every client at once (one disconnect broadcast to their shared socket id).
  await clients.ask("reset");
  probe.reset();
  const overflowsBefore = listenOverflows();
  const t1 = performance.now();
  await endpoint.broadcast(STORM_ID, "disconnect", {});
  expect(endpoint.connections.size, "only the probe survives the disconnect broadcast").toBe(1);
  const storm = await waitAllJoined("storm reconnect", 60_000);
  const stormMs = performance.now() - t1;
  const overflows = listenOverflows() - overflowsBefore;
  await sleep(300);
  await probe.stop();

  console.info(
    `[storm] ${COUNT} clients${LOCAL_ADDRESSES.length > 1 ? ` over ${LOCAL_ADDRESSES.length} source addresses` : ""}: initial connect ${initialMs.toFixed(0)} ms ` +
      `(${initial.refused503} × 503); storm reconnect+rejoin ${stormMs.toFixed(0)} ms, ${storm.refused503} × 503 (Retry-After ${storm.retryAfter.join(",")}), ` +
      `${storm.otherFailures} other failures, ${overflows} listen-queue overflows (host-wide); probe ${probe.count} rounds, ` +
      `max heartbeat ${probe.latencies.heartbeat.toFixed(0)} ms, max /health ${probe.latencies.health.toFixed(0)} ms`,
  );
  expect(clients.errors).toEqual([]);
  expect(endpoint.connections.size).toBe(COUNT + 1);
  expect(stormMs).toBeLessThan(60_000);
  expect(storm.refused503, "the connect-rate cap refused part of the storm").toBeGreaterThan(0);
  expect(storm.retryAfter).toEqual(["1"]);
  expect(probe.failures, "every probe answered within 2 s").toEqual([]);
  expect(probe.latencies.heartbeat).toBeLessThan(2_000);
  expect(probe.latencies.health).toBeLessThan(2_000);
  expect(probe.count, "the probe ran throughout the storm").toBeGreaterThan(stormMs / 100 / 2);
});
