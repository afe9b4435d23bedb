#!/usr/bin/env node
// Benchmark (issue 10 item 7, not a test): 1,000 connected live views of /drops against 1,000
// channel-based product pages (the `/` client: product:1 and product:2 on /product_socket), on one
// built store node over loopback. Each stock change flips one size between two levels, so every
// client gets exactly one update: a `diff` push on lv:<id>, or a `stock_change` on product:1.
// Reports server CPU per view update (the node's utime+stime from /proc, minus the same updates
// with no client connected) and the JSON bytes of each client's update frame.
//
//   npm run build -w apps/sneakers && node apps/sneakers/bench/drops_live.mjs [--clients 1000] [--updates 20] [--runs 3]
//   (STORE_NODE_ARGS: extra node flags for the store, e.g. a CPU profile)
import { execSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";

const MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));
const API_KEY = "bench-api-key";
const ITEM = 1; // a size of product 1
const LEVELS = [100, 1000]; // "low", "high": each change crosses a level, so each one is broadcast
const STEP_TIMEOUT_MS = 15_000;
const CLK_TCK = Number(execSync("getconf CLK_TCK").toString().trim()) || 100;

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  const value = i > 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive whole number`);
  return value;
}
const CLIENTS = Math.min(option("clients", 1000), 5000);
const UPDATES = Math.min(option("updates", 20), 200);
const RUNS = Math.min(option("runs", 1), 9);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** The store node as a child process on a throwaway SQLite file; resolves once it listens. */
async function startStore() {
  const dir = mkdtempSync(join(tmpdir(), "sneakers-drops-bench-"));
  const port = await freePort();
  const env = { ...process.env, PORT: String(port), API_KEY, LOG_LEVEL: "warn", DATABASE_URL: `sqlite:${join(dir, "db.sqlite")}` };
  env.SECRET_KEY_BASE = "bench-secret-key-base-0123456789abcdefghijklmnopqrstuvwxyz";
  // STORE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the store (NODE_OPTIONS refuses it).
  const nodeArgs = (process.env.STORE_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, MAIN], { env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (s) => (output += s));
  child.stderr.setEncoding("utf8").on("data", (s) => (output += s));
  const base = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 30_000; ; await sleep(100)) {
    if (child.exitCode !== null) throw new Error(`the store exited:\n${output}`);
    if (Date.now() > deadline) throw new Error(`the store did not start:\n${output}`);
    const ok = await fetch(`${base}/drops`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
  }
  return {
    base,
    pid: child.pid,
    output: () => output,
    async stop() {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The node's CPU time so far, in microseconds. */
function cpuMicros(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLK_TCK;
}

async function api(base, method, path, body) {
  const response = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${API_KEY}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${await response.text()}`);
  return response.json();
}

/** A raw V2 client: one WebSocket, joins with replies, and a frame hook for pushes. */
class RawClient {
  constructor(url, onPush) {
    this.ref = 0;
    this.replies = new Map();
    this.onPush = onPush;
    this.ws = new WebSocket(url, { perMessageDeflate: false });
    this.ws.on("message", (data) => {
      const text = data.toString();
      const [, ref, topic, event, payload] = JSON.parse(text);
      if (event === "phx_reply") {
        this.replies.get(ref)?.(payload, text.length);
        this.replies.delete(ref);
      } else this.onPush(topic, event, text.length);
    });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once("open", resolve);
      this.ws.once("error", reject);
    });
  }

  send(joinRef, topic, event, payload) {
    const ref = String(++this.ref);
    this.ws.send(JSON.stringify([joinRef, ref, topic, event, payload]));
    return ref;
  }

  join(topic, payload) {
    const ref = String(this.ref + 1);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`join ${topic}: no reply`)), STEP_TIMEOUT_MS);
      this.replies.set(ref, (reply, bytes) => {
        clearTimeout(timer);
        if (reply.status === "ok") resolve({ response: reply.response, bytes });
        else reject(new Error(`join ${topic} refused: ${JSON.stringify(reply.response)}`));
      });
      this.send(ref, topic, "phx_join", payload);
    });
  }

  heartbeat() {
    if (this.ws.readyState === WebSocket.OPEN) this.send(null, "phoenix", "heartbeat", {});
  }

  close() {
    this.ws.terminate();
  }
}

const unescapeHtml = (s) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");

/** GET /drops, then join its lv:<id> with the page's session, as the LiveSocket does. */
async function liveView(base, onUpdate) {
  const page = await (await fetch(`${base}/drops`)).text();
  const container = /<div id="([^"]+)" data-phx-main data-phx-session="([^"]*)" data-phx-static="([^"]*)">/.exec(page);
  const csrf = /<meta name="csrf-token" content="([^"]*)">/.exec(page);
  if (!container || !csrf) throw new Error("no live container in GET /drops");
  const [, id, session, staticToken] = container;
  const params = { _csrf_token: unescapeHtml(csrf[1]), _mounts: 0, _mount_attempts: 0 };
  const query = new URLSearchParams({ _csrf_token: params._csrf_token, _mounts: "0", vsn: "2.0.0" });
  const client = new RawClient(`${base.replace("http", "ws")}/live/websocket?${query}`, (_topic, event, bytes) => {
    if (event === "diff") onUpdate(bytes);
  });
  await client.opened;
  const joined = await client.join(`lv:${id}`, { url: `${base}/drops`, params, session: unescapeHtml(session), static: unescapeHtml(staticToken) });
  return { client, joinBytes: joined.bytes };
}

/** The `/` page's product client: one socket, product:1 and product:2 joined with the book's `{}`. */
async function productPage(base, onUpdate) {
  const client = new RawClient(`${base.replace("http", "ws")}/product_socket/websocket?vsn=2.0.0`, (_topic, event, bytes) => {
    if (event === "stock_change") onUpdate(bytes);
  });
  await client.opened;
  const a = await client.join("product:1", {});
  const b = await client.join("product:2", {});
  return { client, joinBytes: a.bytes + b.bytes };
}

/** Opens `count` clients, 50 at a time. */
async function connectAll(count, open) {
  const clients = [];
  for (let i = 0; i < count; i += 50) {
    clients.push(...(await Promise.all(Array.from({ length: Math.min(50, count - i) }, () => open()))));
  }
  return clients;
}

/**
 * `UPDATES` stock changes of item ITEM, each waited for at every client; returns the node's CPU
 * over them and the bytes of every update frame.
 */
async function stockChanges(store, counter, clients) {
  const before = cpuMicros(store.pid);
  for (let i = 0; i < UPDATES; i++) {
    const expected = (i + 1) * clients;
    store.changes = (store.changes ?? 0) + 1;
    await api(store.base, "PUT", `/api/items/${ITEM}/stock`, { count: LEVELS[store.changes % 2] });
    const deadline = Date.now() + STEP_TIMEOUT_MS;
    while (counter.frames < expected) {
      if (Date.now() > deadline) throw new Error(`update ${i + 1}: ${counter.frames - i * clients} of ${clients} clients got it`);
      await sleep(2);
    }
  }
  return cpuMicros(store.pid) - before;
}

async function phase(store, open) {
  const counter = { frames: 0, bytes: 0 };
  const onUpdate = (bytes) => {
    counter.frames++;
    counter.bytes += bytes;
  };
  const connections = await connectAll(CLIENTS, () => open(store.base, onUpdate));
  // One shared timer keeps every socket inside the server's heartbeat window.
  const heartbeat = setInterval(() => {
    for (const c of connections) c.client.heartbeat();
  }, 20_000);
  try {
    await sleep(500); // let the joins' own work settle before measuring
    const cpu = await stockChanges(store, counter, CLIENTS);
    return { cpu, frames: counter.frames, bytes: counter.bytes, joinBytes: connections[0].joinBytes };
  } finally {
    clearInterval(heartbeat);
    for (const c of connections) c.client.close();
    await sleep(1_000);
  }
}

async function round() {
  const store = await startStore();
  try {
    await api(store.base, "POST", "/api/products/1/release");
    await api(store.base, "POST", "/api/products/2/release");
    await api(store.base, "PUT", `/api/items/${ITEM}/stock`, { count: LEVELS[0] });
    // The cost of the updates themselves (API, database, cache, broadcast to nobody).
    const baseline = await stockChanges(store, { frames: 0 }, 0);
    const live = await phase(store, liveView);
    const channel = await phase(store, productPage);
    const perViewUpdate = (p) => (p.cpu - baseline) / (UPDATES * CLIENTS);
    return {
      baselineCpuPerUpdateUs: baseline / UPDATES,
      live: { cpuPerViewUpdateUs: perViewUpdate(live), bytesPerUpdate: live.bytes / live.frames, joinBytes: live.joinBytes },
      channel: { cpuPerViewUpdateUs: perViewUpdate(channel), bytesPerUpdate: channel.bytes / channel.frames, joinBytes: channel.joinBytes },
    };
  } catch (err) {
    err.message += `\n--- store output ---\n${store.output().slice(-4000)}`;
    throw err;
  } finally {
    await store.stop();
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const results = [];
for (let i = 0; i < RUNS; i++) {
  const r = await round();
  results.push(r);
  console.log(`round ${i + 1}: ${JSON.stringify(r)}`);
}
const figure = (pick, digits) => {
  const xs = results.map(pick);
  const f = (x) => x.toFixed(digits);
  return RUNS > 1 ? `${f(median(xs))} (${f(Math.min(...xs))}–${f(Math.max(...xs))})` : f(xs[0]);
};
console.log(`\n${CLIENTS} clients, ${UPDATES} stock changes, ${RUNS} round(s)${RUNS > 1 ? ": median (min–max)" : ""}`);
console.log(`| | live view (/drops) | channels (/) |`);
console.log(`|---|---:|---:|`);
console.log(`| server CPU per view update, µs | ${figure((r) => r.live.cpuPerViewUpdateUs, 1)} | ${figure((r) => r.channel.cpuPerViewUpdateUs, 1)} |`);
console.log(`| bytes per update (JSON frame) | ${figure((r) => r.live.bytesPerUpdate, 0)} | ${figure((r) => r.channel.bytesPerUpdate, 0)} |`);
console.log(`| join reply bytes per page | ${figure((r) => r.live.joinBytes, 0)} | ${figure((r) => r.channel.joinBytes, 0)} |`);
console.log(`| server CPU per stock change with no client, µs | ${figure((r) => r.baselineCpuPerUpdateUs, 0)} | |`);
