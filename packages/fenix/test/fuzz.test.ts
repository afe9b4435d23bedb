// Bounded protocol fuzz over real WebSockets: several connections throw random, mutated and
// malformed frames at a live Endpoint while a well-behaved client pings beside them. The
// server must stay up, close bad connections only with the documented codes, keep memory
// and channel state bounded, and never miss a reply to the good client.
// Reproduce a failure with FUZZ_SEED=<seed printed in the failure message>.
import type { AddressInfo } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Endpoint, createLogger, defineChannel, defineSocket, error, ok, stop, websocket } from "fenix";
import type { ChannelSocket } from "fenix";
import { afterEach, expect, it } from "vitest";
import { WebSocket } from "ws";
import { Rng, SURVIVABLE, randomFrame } from "./support/fuzz.js";
import type { Frame, FrameContext } from "./support/fuzz.js";

const SEED = Number(process.env.FUZZ_SEED ?? 20_240_601) >>> 0;
const MAX_FRAMES = 3_000;
const MAX_MS = 10_000;
const FUZZERS = 8;
const TIGHT_FRAME = 64 * 1024;
/** Server-initiated close codes a fuzz connection may see: normal, going away, policy, too big, internal error. */
const ALLOWED_CLOSES = new Set([1000, 1001, 1008, 1009, 1011]);

const joined = new Set<ChannelSocket>();
const Room = defineChannel({
  name: "FuzzRoom",
  intercepts: ["new_msg"],
  join(_topic, payload, socket) {
    joined.add(socket);
    if (payload?.crash === true) throw new Error("join crashed on purpose");
  },
  handleIn: {
    ping: () => ok({ pong: true }),
    new_msg(payload, socket) {
      void socket.broadcast("new_msg", { body: payload?.body ?? null });
      return ok();
    },
    boom() {
      throw new Error("boom");
    },
    echo: (payload) => ok({ type: typeof payload, size: JSON.stringify(payload)?.length ?? 0 }),
    tick(_payload, socket) {
      socket.sendInterval("tick", 20);
      socket.sendAfter("once", 5);
      return ok();
    },
    bin(payload, socket) {
      if (!(payload instanceof Uint8Array)) return error({ reason: "binary only" });
      void socket.broadcast("raw", new Uint8Array([1, 2, 3]));
      return ok(Buffer.concat([payload, Buffer.from([1])]));
    },
    stop: () => stop("shutdown", ok({ bye: true })),
  },
  handleOut: { new_msg: (payload, socket) => socket.push("new_msg", { ...payload, seen: true }) },
  handleInfo(message, socket) {
    if (message === "once") socket.push("once", {});
  },
});
const channels = [
  ["room:*", Room],
  ["hist:*", Room, { history: { size: 20, ttlMs: 60_000 } }],
] as const;
const FuzzSocket = defineSocket({ name: "FuzzSocket", channels });
const TightSocket = defineSocket({
  name: "TightSocket",
  channels,
  maxChannels: 3,
  limits: { messagesPerSecond: 40, messageBurst: 30, joinsPerSecond: 5, joinBurst: 5, maxPayloadBytes: 8 * 1024, floodThreshold: 30 },
});

const TOPICS = ["room:a", "room:b", "hist:a", "hist:b", "room:", "nope:x", "phoenix"];

interface CloseRecord {
  code: number;
  reason: string;
  tight: boolean;
  vsn: string | null;
  invalidUtf8: boolean;
  lastKinds: string[];
}

const errors: unknown[] = [];
const onError = (err: unknown) => void errors.push(err);
let cleanup: (() => Promise<void>) | undefined;

afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
  process.off("uncaughtException", onError);
  process.off("unhandledRejection", onError);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms}ms waiting for ${what}`);
    await sleep(10);
  }
}

function forcedGc(): (() => void) | undefined {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (typeof existing === "function") return existing;
  try {
    setFlagsFromString("--expose-gc");
    return runInNewContext("gc") as () => void;
  } catch {
    return undefined;
  }
}

function memory(gc: (() => void) | undefined): { value: number; what: string } {
  if (!gc) return { value: process.memoryUsage().rss, what: "rss" };
  gc();
  gc();
  return { value: process.memoryUsage().heapUsed, what: "heapUsed after gc" };
}

function openWs(url: string): Promise<WebSocket | null> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: 2_000 });
    ws.on("error", () => {});
    ws.once("open", () => resolve(ws));
    ws.once("unexpected-response", (req) => {
      req.destroy();
      resolve(null);
    });
    ws.once("close", () => resolve(null));
  });
}

/** The well-behaved client: joins, then pings and heartbeats every 50 ms and checks every reply. */
async function goodClient(base: string) {
  const ws = await openWs(`${base}/socket/websocket?vsn=2.0.0`);
  if (!ws) throw new Error("the good client could not connect");
  const pending = new Map<string, number>();
  const bad: string[] = [];
  let sent = 0;
  let answered = 0;
  let maxLatency = 0;
  let closed: number | null = null;
  ws.on("close", (code) => {
    closed = code;
  });
  ws.on("message", (data, binary) => {
    if (binary) return void bad.push("binary frame");
    const [, ref, topic, event, payload] = JSON.parse(String(data)) as [unknown, string, string, string, { status?: string; response?: unknown }];
    if (event !== "phx_reply") return;
    const at = pending.get(ref);
    if (at === undefined) return void bad.push(`unexpected reply ${String(data)}`);
    pending.delete(ref);
    const expected = topic === "phoenix" ? {} : ref === "join" ? {} : { pong: true };
    if (payload.status !== "ok" || JSON.stringify(payload.response) !== JSON.stringify(expected)) bad.push(`bad reply ${String(data)}`);
    answered++;
    maxLatency = Math.max(maxLatency, performance.now() - at);
  });
  const send = (ref: string, topic: string, event: string, payload: object) => {
    pending.set(ref, performance.now());
    sent++;
    ws.send(JSON.stringify([topic === "phoenix" ? null : "g", ref, topic, event, payload]));
  };
  send("join", "room:good", "phx_join", {});
  await until("the good client's join reply", () => pending.size === 0, 2_000);
  let n = 0;
  const timer = setInterval(() => {
    n++;
    send(`p${n}`, "room:good", "ping", { n });
    send(`h${n}`, "phoenix", "heartbeat", {});
  }, 50);
  return {
    ws,
    async stop() {
      clearInterval(timer);
      await until("the good client's last replies", () => pending.size === 0 || closed !== null, 3_000).catch(() => {});
      return { sent, answered, missed: [...pending.keys()], bad, maxLatency, closed, pings: n };
    },
  };
}

it(`survives ${MAX_FRAMES} fuzzed frames on ${FUZZERS} connections beside a well-behaved client (seed ${SEED})`, { timeout: 40_000 }, async () => {
  process.on("uncaughtException", onError);
  process.on("unhandledRejection", onError);
  const endpoint = new Endpoint({ logger: createLogger({ level: process.env.LOG_LEVEL ?? "silent" }) });
  endpoint.socket("/socket", FuzzSocket).socket("/tight", TightSocket, { transports: [websocket({ maxFrameSize: TIGHT_FRAME, timeout: 5_000 })] });
  const server = await endpoint.listen(0, "127.0.0.1");
  const base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const live = new Set<WebSocket>();
  cleanup = async () => {
    for (const ws of live) ws.terminate();
    await endpoint.close();
  };

  const gc = forcedGc();
  const good = await goodClient(base);
  live.add(good.ws);
  const before = memory(gc);

  const started = performance.now();
  let frames = 0;
  let connects = 0;
  let refused = 0;
  const kinds: Record<string, number> = {};
  const closes: CloseRecord[] = [];
  const done = () => frames >= MAX_FRAMES || performance.now() - started > MAX_MS;

  async function fuzzer(index: number): Promise<void> {
    const r = new Rng((SEED ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0);
    const tight = index % 2 === 1;
    let refs = 0;
    while (!done()) {
      const vsn = r.pick(["2.0.0", "2.0.0", "1.0.0", null]);
      const ws = await openWs(`${base}/${tight ? "tight" : "socket"}/websocket${vsn ? `?vsn=${vsn}` : ""}`);
      connects++;
      if (!ws) {
        refused++;
        await sleep(20);
        continue;
      }
      live.add(ws);
      const ctx: FrameContext = { v1: vsn !== "2.0.0", topics: TOPICS, oversize: tight ? TIGHT_FRAME : 1_000_000, nextRef: () => String(++refs) };
      // Some connections are mostly polite (they live long enough to join, push and leave), some pure chaos.
      const chaos = r.pick([0.02, 0.1, 0.3, 1]);
      const record: CloseRecord = { code: 0, reason: "", tight, vsn, invalidUtf8: false, lastKinds: [] };
      let open = true;
      let ours = false;
      const closed = new Promise<void>((resolve) =>
        ws.once("close", (code, reason) => {
          open = false;
          live.delete(ws);
          if (!ours) closes.push({ ...record, code, reason: String(reason) });
          resolve();
        }),
      );
      const send = (frame: Frame) => {
        if (!open) return;
        frames++;
        kinds[frame.kind] = (kinds[frame.kind] ?? 0) + 1;
        record.invalidUtf8 ||= frame.invalidUtf8 === true;
        record.lastKinds = [...record.lastKinds.slice(-4), frame.kind];
        ws.send(frame.data, { binary: frame.binary });
      };
      while (open && !done()) {
        if (r.bool(0.004)) {
          // A burst without pauses: rate limits, then (on the tight mount) the flood close.
          for (let i = 0; i < 50 && !done(); i++) send({ data: JSON.stringify([null, ctx.nextRef(), "room:a", "ping", {}]), binary: false, kind: "burst" });
        } else send(randomFrame(r, ctx, r.bool(chaos) ? undefined : SURVIVABLE));
        await sleep(r.int(20));
      }
      if (open) {
        ours = true;
        ws.close(1000);
        await Promise.race([closed, sleep(1_000)]);
        ws.terminate();
      }
      await closed;
    }
  }

  await Promise.all(Array.from({ length: FUZZERS }, (_, i) => fuzzer(i)));
  const fuzzMs = performance.now() - started;
  const result = await good.stop();
  const context = `seed ${SEED}, ${frames} frames in ${fuzzMs.toFixed(0)} ms, ${connects} connects; kinds ${JSON.stringify(kinds)}`;

  // Every fuzz connection is gone; only the good client remains.
  await until("the endpoint to forget the fuzz connections", () => endpoint.connections.size === 1, 5_000).catch(() => {});
  expect(endpoint.connections.size, context).toBe(1);
  // No channel outlived its connection: no timers, no subscriptions but the good client's.
  const timers = [...joined].map((s) => (s as unknown as { process: { timerCount: number } }).process.timerCount).filter((n) => n > 0);
  expect(timers, `channels with live timers; ${context}`).toEqual([]);
  const topics = (endpoint.pubsub as unknown as { topics: Map<string, Set<unknown>> }).topics;
  expect(
    [...topics].map(([t, s]) => `${t}=${s.size}`),
    `PubSub subscriptions left; ${context}`,
  ).toEqual(["room:good=1"]);

  const after = memory(gc);
  const grown = (after.value - before.value) / 2 ** 20;
  const unexpected = closes.filter((c) => !(ALLOWED_CLOSES.has(c.code) || (c.code === 1007 && c.invalidUtf8)));
  console.info(
    `[fuzz] ${context}; closes ${JSON.stringify(countBy(closes.map((c) => c.code)))}; refused upgrades ${refused}; ` +
      `${after.what} grew ${grown.toFixed(1)} MB; good client ${result.answered}/${result.sent} replies, max latency ${result.maxLatency.toFixed(1)} ms`,
  );

  expect(errors.map(String), `uncaught exceptions / unhandled rejections; ${context}`).toEqual([]);
  expect(unexpected, `unexpected close codes; ${context}`).toEqual([]);
  expect(grown, `${after.what} growth in MB; ${context}`).toBeLessThan(150);
  expect(result.closed, "the good client was disconnected").toBeNull();
  expect(result.bad, "the good client got wrong frames").toEqual([]);
  expect(result.missed, "the good client missed replies").toEqual([]);
  expect(result.answered).toBe(result.sent);
  expect(result.maxLatency, "the good client's slowest reply, ms").toBeLessThan(1_000);
  expect(result.pings, "the good client ran throughout the fuzz").toBeGreaterThan(fuzzMs / 50 / 2);
  expect(frames).toBeGreaterThan(MAX_FRAMES / 2);

  // Still serving: a fresh client joins and gets its reply.
  const fresh = await openWs(`${base}/socket/websocket?vsn=2.0.0`);
  if (!fresh) throw new Error("a fresh client could not connect after the fuzz");
  live.add(fresh);
  const reply = new Promise<string>((resolve) => fresh.once("message", (data) => resolve(String(data))));
  fresh.send(JSON.stringify(["1", "1", "room:after", "phx_join", {}]));
  expect(JSON.parse(await Promise.race([reply, sleep(2_000).then(() => "null")]))).toEqual([
    "1",
    "1",
    "room:after",
    "phx_reply",
    { status: "ok", response: {} },
  ]);
});

function countBy(values: number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
