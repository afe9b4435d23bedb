// A generator process (pinned to the generator core by the runner). It holds a share of the
// clients, or publishes, and obeys requests `{id, cmd, args}` on its IPC channel, answering
// `{id, ok, result | error}`. It exits when the channel closes, so it never outlives the runner.
import { Histogram } from "../hist.js";
import { type Client, type Protocol, makeClient, nowUs, payload, readTimestamp } from "./clients.js";
import { type PresenceJoinArgs, PresenceCrowd } from "./presence.js";
import { Publisher } from "./publisher.js";
import { type ShopperConnectArgs, Shoppers } from "./shoppers.js";

export interface GenConfig {
  protocol: Protocol;
  port: number;
  /** Source addresses (127.0.0.x) to spread connections over. */
  addresses: string[];
  apiKey: string;
  /** Reply / handshake timeout per client operation. */
  timeoutMs: number;
}

const config = JSON.parse(process.env.BENCH_GEN ?? "{}") as GenConfig;
const clients: Client[] = [];
const hist = new Histogram();
let delivered = 0;
let recording = false;
let nextAddress = Math.floor(Math.random() * config.addresses.length);
let publisher: Publisher | undefined;
let progressTimer: NodeJS.Timeout | undefined;
let shoppers: Shoppers | undefined;
let crowd: PresenceCrowd | undefined;

function onBroadcast(frame: Buffer): void {
  delivered++;
  if (recording) {
    const ts = readTimestamp(frame);
    if (ts > 0) hist.record(nowUs() - ts);
  }
}

/** Opens `count` clients, at most `concurrency` handshaking at once, each joining `topic`. */
async function connect(args: { count: number; topic: string; concurrency: number; heartbeatMs: number }) {
  let started = 0;
  let ok = 0;
  let failed = 0;
  let firstError: string | undefined;
  const t0 = performance.now();
  const worker = async () => {
    while (started < args.count) {
      started++;
      const localAddress = config.addresses[nextAddress++ % config.addresses.length];
      const client = makeClient(config.protocol, { port: config.port, localAddress, timeoutMs: config.timeoutMs, onBroadcast });
      try {
        await client.open();
        await client.join(args.topic);
        clients.push(client);
        if (args.heartbeatMs > 0) client.startHeartbeat(args.heartbeatMs);
        ok++;
      } catch (err) {
        failed++;
        firstError ??= (err as Error).message;
        client.close();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(args.concurrency, args.count)) }, worker));
  return { ok, failed, ms: performance.now() - t0, firstError, total: clients.length };
}

/** Every client pushes and awaits its reply in a loop; counts replies after the warm-up. */
async function rtt(args: { warmupMs: number; durationMs: number }) {
  const warmEnd = performance.now() + args.warmupMs;
  const end = warmEnd + args.durationMs;
  let replies = 0;
  let errors = 0;
  let firstError: string | undefined;
  hist.reset();
  await Promise.all(
    clients.map(async (client, i) => {
      let seq = 0;
      while (performance.now() < end) {
        const sent = nowUs();
        try {
          await client.echo(payload(sent, i * 1_000_000 + seq++));
        } catch (err) {
          errors++;
          firstError ??= (err as Error).message;
          return;
        }
        const now = performance.now();
        if (now >= warmEnd && now < end) {
          replies++;
          hist.record(nowUs() - sent);
        }
      }
    }),
  );
  return { replies, errors, firstError, hist: hist.sparse() };
}

const handlers: Record<string, (args: any) => unknown> = {
  connect,
  rtt,
  count: () => ({ delivered }),
  /** Starts (or stops) pushing `{progress: delivered}` every `intervalMs`. */
  progress: (args: { intervalMs: number }) => {
    clearInterval(progressTimer);
    if (args.intervalMs > 0) progressTimer = setInterval(() => process.send?.({ progress: delivered }), args.intervalMs);
    return {};
  },
  record: (args: { on: boolean }) => {
    if (args.on) hist.reset();
    recording = args.on;
    return {};
  },
  hist: () => ({ hist: hist.sparse(), samples: hist.total }),
  publisher: (args: { topic: string; maxInFlight: number }) => {
    publisher = new Publisher(config.port, config.protocol, config.apiKey, args.topic, args.maxInFlight);
    return {};
  },
  saturate: (args: { durationMs: number; window: number; subscribers: number }) => publisher!.saturate(args.durationMs, args.window, args.subscribers),
  fixed: (args: { durationMs: number; rate: number }) => publisher!.fixed(args.durationMs, args.rate),
  credit: (args: { delivered: number }) => {
    publisher?.credit(args.delivered);
    return undefined; // one-way: no answer
  },
  // The launch scenario (gen/shoppers.ts).
  shoppers: (args: ShopperConnectArgs) => {
    shoppers ??= new Shoppers(config.port, config.addresses, config.timeoutMs);
    return shoppers.connect(args);
  },
  shopperState: () => shoppers!.state(),
  // The presence scenario (gen/presence.ts).
  presenceJoin: (args: PresenceJoinArgs) => {
    crowd ??= new PresenceCrowd(config.port, config.addresses, config.timeoutMs);
    return crowd.join(args);
  },
  presenceWait: (args: { timeoutMs: number }) => crowd!.wait(args),
  shopperDelays: (args: { commits: Record<string, number[]> }) => shoppers!.delays(args.commits),
  close: () => {
    for (const c of clients) c.close();
    clients.length = 0;
    shoppers?.close();
    crowd?.close();
    publisher?.close();
    return {};
  },
};

process.on("message", (msg: { id: number; cmd: string; args: unknown }) => {
  const handler = handlers[msg.cmd];
  Promise.resolve()
    .then(() => {
      if (!handler) throw new Error(`unknown command ${msg.cmd}`);
      return handler(msg.args);
    })
    .then(
      (result) => {
        if (result !== undefined) process.send?.({ id: msg.id, ok: true, result });
      },
      (err: Error) => process.send?.({ id: msg.id, ok: false, error: err.message }),
    );
});
process.on("disconnect", () => process.exit(0));
