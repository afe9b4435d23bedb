// The official phoenix.js client (1.8.16) over long-poll against HelloSockets' `/socket`, which
// enables `longpoll: true`: join, push and reply, broadcasts, a channel crash and its rejoin, and a
// server-side disconnect the client recovers from (410 while it holds a token → close 3410, retry).
import { LongPoll, Socket } from "phoenix";
import { afterEach, describe, expect, it } from "vitest";
import { startHello, waitFor } from "./support/hello.js";
import type { Hello } from "./support/hello.js";
import { nextEvent, outcome } from "./support/phoenix.js";
import type { PhxChannel, PhxSocket } from "./support/phoenix.js";

let hello: Hello | undefined;

afterEach(async () => {
  await hello?.stop();
  hello = undefined;
});

interface LpSocket extends PhxSocket {
  conn: unknown;
  transport: unknown;
}

async function start(): Promise<Hello> {
  hello = await startHello();
  return hello;
}

function lpClient(h: Hello, options: Record<string, unknown> = { transport: LongPoll }, mount = "/socket"): LpSocket {
  const socket = new Socket(`ws://127.0.0.1:${h.port}${mount}`, {
    timeout: 2_000,
    reconnectAfterMs: () => 50,
    rejoinAfterMs: () => 50,
    ...options,
  }) as unknown as LpSocket;
  h.onStop(() => socket.disconnect());
  socket.connect();
  return socket;
}

async function joined(channel: PhxChannel): Promise<unknown> {
  const result = await outcome(channel.join());
  expect(result.status).toBe("ok");
  return result.response;
}

describe("phoenix.js over long-poll", () => {
  it("joins, and a ping pushed before the join completes gets its pong", async () => {
    const h = await start();
    const socket = lpClient(h);
    const channel = socket.channel("ping");
    const join = outcome(channel.join());
    const ping = outcome(channel.push("ping"));
    expect(await join).toEqual({ status: "ok", response: {} });
    expect(await ping).toEqual({ status: "ok", response: { ping: "pong" } });
    expect(socket.conn).toBeInstanceOf(LongPoll);
    expect(h.endpoint.connections.size).toBe(1);
    expect([...h.endpoint.connections][0].transportName).toBe("longpoll");
  });

  it.runIf(typeof (globalThis as { WebSocket?: unknown }).WebSocket === "undefined")(
    "is what `new Socket(url)` uses in Node 20, which has no global WebSocket",
    async () => {
      const h = await start();
      const socket = lpClient(h, {});
      const channel = socket.channel("ping:default");
      await joined(channel);
      expect(await outcome(channel.push("ping"))).toEqual({ status: "ok", response: { ping: "pong" } });
      expect(socket.conn).toBeInstanceOf(LongPoll);
    },
  );

  it("answers replies of every kind: ok with a payload, error", async () => {
    const h = await start();
    const channel = lpClient(h).channel("ping");
    await joined(channel);
    expect(await outcome(channel.push("param_ping", { error: true }))).toEqual({ status: "error", response: { reason: "You asked for this!" } });
    expect(await outcome(channel.push("param_ping", { error: false, list: [1, 2] }))).toEqual({ status: "ok", response: { error: false, list: [1, 2] } });
  });

  it("receives broadcasts: plain ones and intercepted ones through handleOut", async () => {
    const h = await start();
    const channel = lpClient(h).channel("ping");
    await joined(channel);
    const plain = nextEvent(channel, "news");
    await h.endpoint.broadcast("ping", "news", { n: 1 });
    expect(await plain).toEqual({ n: 1 });
    const intercepted = nextEvent(channel, "send_ping");
    await h.endpoint.broadcast("ping", "request_ping", { from: "server" });
    expect(await intercepted).toEqual({ from: "server", from_node: h.endpoint.nodeName });
  });

  it("a channel crash errors the channel, which rejoins by itself and works again", async () => {
    const h = await start();
    const channel = lpClient(h).channel("ping");
    let joins = 0;
    const errors: unknown[] = [];
    channel.onError((reason) => errors.push(reason));
    channel.join().receive("ok", () => joins++);
    await waitFor(() => joins === 1, 3_000, "the first join");
    channel.push("no_such_event");
    await waitFor(() => joins === 2, 3_000, "the automatic rejoin");
    expect(errors).toEqual([{ reason: "channel_crash" }]);
    expect(await outcome(channel.push("ping"))).toEqual({ status: "ok", response: { ping: "pong" } });
  });

  it("a server-side disconnect: the client sees its session gone (3410), reconnects, and rejoins", async () => {
    const h = await start();
    const socket = lpClient(h);
    const closes: number[] = [];
    let opens = 0;
    socket.onOpen(() => opens++);
    socket.onClose((event) => closes.push(event.code));
    const channel = socket.channel("ping");
    let joins = 0;
    channel.join().receive("ok", () => joins++);
    await waitFor(() => joins === 1, 3_000, "the first join");
    const [connection] = h.endpoint.connections;
    connection.close(1001, "", { shutdown: "disconnected" });
    await waitFor(() => joins === 2, 5_000, "the rejoin after reconnecting");
    expect(closes).toContain(3410);
    expect(opens).toBe(2);
    expect(h.endpoint.connections.size).toBe(1);
    expect([...h.endpoint.connections][0]).not.toBe(connection);
    expect(await outcome(channel.push("ping"))).toEqual({ status: "ok", response: { ping: "pong" } });
  });

  it("leaves cleanly: disconnect ends the server's session and channels", async () => {
    const h = await start();
    const socket = lpClient(h);
    const channel = socket.channel("ping");
    await joined(channel);
    expect(await outcome(channel.leave())).toEqual({ status: "ok", response: {} });
    await waitFor(() => [...h.endpoint.connections][0]?.channels.size === 0, 2_000, "the channel to end");
  });

  it("/auth_socket has no long-poll transport: 404", async () => {
    const h = await start();
    const res = await fetch(`${h.base}/auth_socket/longpoll?vsn=2.0.0`, { signal: AbortSignal.timeout(2_000) });
    expect(res.status).toBe(404);
    const ok = await fetch(`${h.base}/socket/longpoll?vsn=2.0.0`, { signal: AbortSignal.timeout(2_000) });
    expect(await ok.json()).toMatchObject({ status: 410, messages: [] });
  });
});
