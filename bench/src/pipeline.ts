// The book's pipeline table (chapter 6): how long the 500th of 500 timed pushes takes to reach a
// subscribed client for maxDemand 1, 10 and 100. apps/hello runs with PIPELINE_MAX_DEMAND on the
// server core; one raw Phoenix client joins `user:1` on /auth_socket; `POST /api/pipeline` pushes
// 500 `push_timed` items (stamped in the caller, as the book's pushTimed does). Figure: receipt of
// item 500 − the POST's send time, and the p50 over all 500, median of --rounds (default 3).
//
//   npm run build && node bench/dist/pipeline.js [--rounds=3] [--items=500]
import { sign } from "fenix";
import WebSocket from "ws";
import { API_KEY, SECRET_KEY_BASE, startServer } from "./control.js";
import { median } from "./median.js";

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=")));
const ROUNDS = Number(args.rounds ?? 3);
const ITEMS = Number(args.items ?? 500);
const DEMANDS = [1, 10, 100];

async function round(maxDemand: number): Promise<{ lastMs: number; p50Ms: number }> {
  const server = await startServer("fenix", { env: { PIPELINE_MAX_DEMAND: String(maxDemand) } });
  try {
    const token = encodeURIComponent(sign(SECRET_KEY_BASE, "salt identifier", 1));
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/auth_socket/websocket?vsn=2.0.0&token=${token}`);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    const arrivals: number[] = [];
    let joined: () => void = () => {};
    const join = new Promise<void>((resolve) => (joined = resolve));
    let done: () => void = () => {};
    const all = new Promise<void>((resolve) => (done = resolve));
    ws.on("message", (data) => {
      const [, ref, , event, payload] = JSON.parse(String(data)) as [unknown, unknown, string, string, { n?: number }];
      if (event === "phx_reply" && ref === "1") joined();
      if (event === "push_timed" && typeof payload.n === "number") {
        arrivals[payload.n - 1] = performance.now();
        if (arrivals.filter(Boolean).length === ITEMS) done();
      }
    });
    ws.send(JSON.stringify(["1", "1", "user:1", "phx_join", {}]));
    await join;
    const sent = performance.now();
    const response = await fetch(`http://127.0.0.1:${server.port}/api/pipeline`, {
      method: "POST",
      headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ user_id: 1, data: {}, n: ITEMS, timed: true }),
    });
    if (response.status !== 202) throw new Error(`POST /api/pipeline answered ${response.status}: ${await response.text()}`);
    const timeout = setTimeout(() => done(), 30_000);
    await all;
    clearTimeout(timeout);
    ws.close();
    const delays = arrivals.map((t) => t - sent);
    if (delays.length !== ITEMS || delays.some((d) => !Number.isFinite(d)))
      throw new Error(`only ${delays.filter(Number.isFinite).length}/${ITEMS} items arrived`);
    const sorted = [...delays].sort((a, b) => a - b);
    return { lastMs: delays[ITEMS - 1], p50Ms: sorted[Math.floor(ITEMS / 2)] };
  } finally {
    await server.stop();
  }
}

const rows: string[] = [];
for (const maxDemand of DEMANDS) {
  const results = [];
  for (let r = 0; r < ROUNDS; r++) results.push(await round(maxDemand));
  const last = results.map((r) => r.lastMs);
  const p50 = results.map((r) => r.p50Ms);
  const fmt = (xs: number[]) => `${median(xs).toFixed(1)} (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})`;
  rows.push(`| ${maxDemand} | ${fmt(last)} | ${fmt(p50)} |`);
  console.log(`maxDemand ${maxDemand}: item ${ITEMS} after ${fmt(last)} ms, p50 ${fmt(p50)} ms`);
}
console.log(`\n| maxDemand | item ${ITEMS} delivered after, ms | p50 of all ${ITEMS}, ms |\n|---:|---:|---:|\n${rows.join("\n")}`);
