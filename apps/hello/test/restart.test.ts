// The built server as a process: phoenix.js reconnects and rejoins across a restart
// (part A §9 scenario 30, part B scenarios 28 and 34), and main.js honours its environment.
import { sign, verify } from "fenix";
import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "./support/hello.js";
import { publish } from "./support/http.js";
import { nextEvent, outcome, phxSocket } from "./support/phoenix.js";
import type { PhxSocket } from "./support/phoenix.js";
import { freePort, spawnHello, waitListening } from "./support/process.js";
import type { HelloProcess } from "./support/process.js";

const SECRET_KEY_BASE = "restart-test-secret-key-base-0123456789abcdefghijklmnopqrstuvwxyz";
const API_KEY = "restart-test-api-key";

const processes: HelloProcess[] = [];
const cleanups: (() => void)[] = [];

afterEach(async () => {
  for (const fn of cleanups.splice(0)) fn();
  await Promise.all(processes.splice(0).map((p) => p.stop()));
});

function start(port: number, env: Record<string, string | undefined> = {}): HelloProcess {
  const proc = spawnHello({ PORT: String(port), SECRET_KEY_BASE, API_KEY, NODE_ENV: undefined, ...env });
  processes.push(proc);
  return proc;
}

function client(port: number, mount = "/socket", params?: object): PhxSocket {
  const socket = phxSocket(port, mount, { params, timeout: 1_000 }, (cleanup) => cleanups.push(cleanup));
  socket.connect();
  return socket;
}

describe("server restart", () => {
  it("phoenix.js reconnects and rejoins after SIGTERM and a restart on the same port, then receives a broadcast", async () => {
    const port = await freePort();
    const first = start(port, { DRAIN_MS: "200" });
    await waitListening(first, port);

    const socket = client(port);
    const closes: number[] = [];
    let opens = 0;
    let joins = 0;
    socket.onClose((e) => closes.push(e.code));
    socket.onOpen(() => {
      opens += 1;
    });
    const channels = ["ping", "ping:a", "wild:2:4"].map((topic) => socket.channel(topic));
    const joinsByTopic = [0, 0, 0];
    channels.forEach((channel, i) => {
      channel.join().receive("ok", () => {
        joinsByTopic[i] += 1;
        joins += 1;
      });
    });
    await waitFor(() => joins === 3, 3_000, "the first joins");

    expect(await first.stop()).toBe(0);
    // Drained: 1012 ("service restart"), which every phoenix.js version reconnects after.
    expect(closes[0]).toBe(1012);
    expect(first.output()).toContain("SIGTERM");

    const second = start(port);
    await waitListening(second, port);
    await waitFor(() => joins === 6, 10_000, "the reconnect and rejoins");
    expect(joinsByTopic).toEqual([2, 2, 2]);
    expect(opens).toBe(2);

    const received = nextEvent(channels[0], "test", 3_000);
    const res = await publish(`http://127.0.0.1:${port}`, API_KEY, { topic: "ping", event: "test", payload: { after: "restart" } });
    expect(res.status).toBe(200);
    expect(await received).toEqual({ after: "restart" });
    expect(await outcome(channels[2].push("ping"))).toEqual({ status: "ok", response: { ping: "pong" } });
  });
});

describe("main.js configuration", () => {
  it("honours PORT, SECRET_KEY_BASE and RECURRING_MS", async () => {
    const port = await freePort();
    const proc = start(port, { RECURRING_MS: "150" });
    await waitListening(proc, port);
    const socket = client(port, "/auth_socket", { token: sign(SECRET_KEY_BASE, "salt identifier", 1) });
    const recurring = socket.channel("recurring");
    expect((await outcome(recurring.join())).status).toBe("ok");
    const { token } = await nextEvent(recurring, "new_token", 2_000);
    expect(verify(SECRET_KEY_BASE, "salt identifier", token)).toEqual({ ok: true, data: 1 });
  });

  it("honours API_KEY for the publish API", async () => {
    const port = await freePort();
    const proc = start(port);
    await waitListening(proc, port);
    const base = `http://127.0.0.1:${port}`;
    expect((await publish(base, "dev-api-key", { topic: "ping", event: "x" })).status).toBe(401);
    expect((await publish(base, API_KEY, { topic: "ping", event: "x" })).status).toBe(200);
  });

  it("fails fast in production without SECRET_KEY_BASE", async () => {
    const port = await freePort();
    const proc = start(port, { NODE_ENV: "production", SECRET_KEY_BASE: undefined });
    expect(await proc.exited(5_000)).toBe(1);
    expect(proc.output()).toContain("SECRET_KEY_BASE must be set in production");
  });
});
