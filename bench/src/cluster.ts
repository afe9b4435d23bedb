// The cluster scenario: three server processes on one Redis, subscribers spread evenly over them,
// broadcasts published on the first — Fenix (apps/hello with its Redis adapter) beside Socket.IO
// 4.8 with `@socket.io/redis-adapter`, measured like fanout (saturation, then a fixed rate). A
// private redis-server on a free port carries both, so a run never meets anyone else's traffic.
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { Redis } from "ioredis";
import { type Gen, type Server, type ServerKind, spawnGens, startServer } from "./control.js";
import { sleep } from "./procs.js";
import { type Ctx, type FanoutRow, connectAll, measureFanout } from "./scenarios.js";

export interface ClusterRow extends Omit<FanoutRow, "subscribers"> {
  nodes: number;
  subscribers: number;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** A private redis-server on a free port (killed by the caller). */
export async function startRedis(): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 5_000;
  for (;;) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on("error", () => {});
    try {
      await client.connect();
      await client.ping();
      client.disconnect();
      return { url, child };
    } catch {
      client.disconnect();
      if (Date.now() > deadline) throw new Error("redis-server did not start (is it installed? scripts/ensure-tools.sh redis-server:redis-server)");
      await sleep(50);
    }
  }
}

export async function cluster(ctx: Ctx): Promise<ClusterRow[]> {
  const c = ctx.cfg.cluster;
  // Every node gets the single-node fan-out's bound on undelivered messages, so the window (in
  // messages) is as deep per node as in fanout; one node's bound shared by three starved them.
  const f = {
    ...ctx.cfg.fanout,
    warmupMs: c.warmupMs,
    measureMs: c.measureMs,
    fixedMs: c.fixedMs,
    concurrency: c.concurrency,
    outstandingDeliveries: ctx.cfg.fanout.outstandingDeliveries * c.nodes,
  };
  const topic = "bench:cluster";
  const redis = await startRedis();
  const servers: Server[] = [];
  const gens: Gen[] = [];
  try {
    for (let i = 0; i < c.nodes; i++) {
      servers.push(await startServer(ctx.kind, { ...ctx.server, logFd: ctx.logFd, env: { REDIS_URL: redis.url, NODE_NAME: `bench-${i}` } }));
    }
    // One subscriber generator per node, the publisher on the first node.
    const subs = servers.map((s) => spawnGens(ctx.kind, s.port, 1, ctx.cfg.addresses, ctx.logFd)[0]);
    const [pub] = spawnGens(ctx.kind, servers[0].port, 1, ctx.cfg.addresses, ctx.logFd);
    gens.push(...subs, pub);
    await pub.request("publisher", { topic, maxInFlight: f.maxInFlight });
    const joined = await connectAll(ctx, subs, c.subscribers, topic, f.concurrency);
    // Socket.IO's adapter and Fenix's tracker settle their subscriptions; then every node is ready.
    await sleep(1000);
    const measured = await measureFanout(
      f,
      servers.map((s) => s.pid),
      pub,
      subs,
      joined.ok,
    );
    ctx.log(
      `  cluster ${ctx.kind} ${c.nodes} nodes × ${joined.ok / c.nodes} subscribers: ${Math.round(measured.deliveriesPerSec)} deliveries/s, p99 ${measured.p99Ms?.toFixed(1)} ms`,
    );
    return [{ server: ctx.kind as ServerKind, nodes: c.nodes, subscribers: joined.ok, connectFailed: joined.failed, ...measured }];
  } finally {
    for (const s of servers) await s.stop();
    await Promise.all(gens.map((g) => g.exit()));
    redis.child.kill("SIGKILL");
  }
}
