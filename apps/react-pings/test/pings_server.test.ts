// The ping server with the real phoenix client (over `ws`), in-process: pushes, the reply, the
// refused topic (scenario 20), and the cleanup of channels and the shared timer on leave and close.
import { Socket } from "phoenix";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { createLogger } from "fenix";
import { type PingsServer, createPingsServer } from "../src/server/pings_server.js";

let server: PingsServer;
beforeAll(async () => {
  server = await createPingsServer({ port: 0, host: "127.0.0.1", logger: createLogger({ name: "react-pings-test", level: "warn" }), nodeName: "pings@test" });
});
afterAll(() => server.close());

function connect(): Socket {
  const socket = new Socket(`ws://127.0.0.1:${server.port}/socket`, { transport: WebSocket as never });
  socket.connect();
  return socket;
}

function nextPings(channel: ReturnType<Socket["channel"]>, count: number): Promise<unknown[]> {
  return new Promise((resolve) => {
    const got: unknown[] = [];
    const ref = channel.on("ping", (payload) => {
      got.push(payload);
      if (got.length === count) {
        channel.off("ping", ref);
        resolve(got);
      }
    });
  });
}

const joined = (channel: ReturnType<Socket["channel"]>) =>
  new Promise<unknown>((resolve, reject) => {
    channel
      .join()
      .receive("ok", resolve)
      .receive("error", (reason) => reject(Object.assign(new Error("join refused"), { reason })));
  });

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(server.stats())}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("the ping server", () => {
  it("pushes a ping right after the join and again later, and answers a ping with {pong: 'true'}", async () => {
    const socket = connect();
    const channel = socket.channel("ping");
    const pings = nextPings(channel, 2);
    await joined(channel);
    const [first, second] = (await pings) as { message: string; random: number; node: string }[];
    for (const ping of [first!, second!]) {
      expect(ping).toMatchObject({ message: "ping", node: "pings@test" });
      expect(ping.random).toBeGreaterThanOrEqual(1);
      expect(ping.random).toBeLessThanOrEqual(100_000);
    }
    const reply = await new Promise((resolve) => channel.push("ping", {}).receive("ok", resolve));
    expect(reply).toEqual({ pong: "true" });
    socket.disconnect();
    await until(() => server.stats().connections === 0, "the connection to close");
    expect(server.stats()).toEqual({ connections: 0, channels: 0, pingSchedules: 0, pingTimerRunning: false });
  });

  it("20: refuses any topic but ping and other, and sends nothing for it", async () => {
    const socket = connect();
    const refused = socket.channel("pong");
    const pushedToRefused: unknown[] = [];
    refused.on("ping", (payload) => void pushedToRefused.push(payload));
    await expect(joined(refused)).rejects.toMatchObject({ reason: { reason: "unmatched topic" } });
    refused.leave();
    // Two pings on a joined topic: time enough for the refused one to have been sent any.
    const other = socket.channel("other");
    const pings = nextPings(other, 2);
    await joined(other);
    await pings;
    expect(pushedToRefused).toEqual([]);
    expect(server.stats()).toMatchObject({ channels: 1, pingSchedules: 1 });
    socket.disconnect();
    await until(() => server.stats().connections === 0, "the connection to close");
  });

  it("drops the channel and its ping schedule on leave, and stops the shared timer with the last one", async () => {
    const socket = connect();
    const ping = socket.channel("ping");
    const other = socket.channel("other");
    await Promise.all([joined(ping), joined(other)]);
    expect(server.stats()).toEqual({ connections: 1, channels: 2, pingSchedules: 2, pingTimerRunning: true });
    ping.leave();
    await until(() => server.stats().channels === 1, "ping to end");
    expect(server.stats()).toMatchObject({ pingSchedules: 1, pingTimerRunning: true });
    other.leave();
    await until(() => server.stats().channels === 0, "other to end");
    expect(server.stats()).toMatchObject({ connections: 1, pingSchedules: 0, pingTimerRunning: false });
    socket.disconnect();
    await until(() => server.stats().connections === 0, "the connection to close");
  });
});
