// The official phoenix.js client against HelloSockets: the book's assets/js/socket.js flows
// (part A §2.4 and §9 scenarios 27–29, 31; part B §1.9, §2.6.1).
import { sign, verify } from "fenix";
import { describe, expect, it } from "vitest";
import { TOKEN_SALT } from "../src/app.js";
import { API_KEY, SECRET, sleep, helloPerTest, waitFor } from "./support/hello.js";
import type { Hello } from "./support/hello.js";
import { publish } from "./support/http.js";
import { nextEvent, outcome, phxSocket, record } from "./support/phoenix.js";
import type { PhxOptions, PhxSocket } from "./support/phoenix.js";

const start = helloPerTest();

function client(h: Hello, options: PhxOptions = {}, mount = "/socket"): PhxSocket {
  const socket = phxSocket(h.port, mount, options, (cleanup) => h.onStop(cleanup));
  socket.connect();
  return socket;
}

describe("PingChannel with phoenix.js", () => {
  it("buffers a ping pushed before the join completes: join ok, then pong (scenario 27)", async () => {
    const h = await start();
    const channel = client(h).channel("ping");
    const log: string[] = [];
    channel
      .join()
      .receive("ok", (r) => log.push(`joined ${JSON.stringify(r)}`))
      .receive("error", (r) => log.push(`join error ${JSON.stringify(r)}`));
    channel.push("ping").receive("ok", (r) => log.push(`receive ${r.ping}`));
    await waitFor(() => log.length >= 2, 3_000, "join and pong");
    expect(log).toEqual(["joined {}", "receive pong"]);
  });

  it("fires only timeout for pong, after the configured timeout (scenario 28)", async () => {
    const h = await start();
    const channel = client(h, { timeout: 300 }).channel("ping");
    expect((await outcome(channel.join())).status).toBe("ok");
    const seen = record(channel.push("pong"));
    await waitFor(() => seen.length > 0, 2_000, "the pong push to settle");
    await sleep(100);
    expect(seen.map((s) => s.status)).toEqual(["timeout"]);
    expect(channel.state).toBe("joined");
  });

  it("routes param_ping's error reply to error and its echo to ok", async () => {
    const h = await start();
    const channel = client(h).channel("ping");
    channel.join();
    expect(await outcome(channel.push("param_ping", { error: true }))).toEqual({ status: "error", response: { reason: "You asked for this!" } });
    expect(await outcome(channel.push("param_ping", { error: false, arr: [1, 2] }))).toEqual({ status: "ok", response: { error: false, arr: [1, 2] } });
  });

  it("answers ack_phrase and ping:<phrase> pushes", async () => {
    const h = await start();
    const channel = client(h).channel("ping:wild");
    channel.join();
    expect(await outcome(channel.push("ping", { ack_phrase: "hooray!" }))).toEqual({ status: "ok", response: { ping: "hooray!" } });
    expect(await outcome(channel.push("ping:hooray!"))).toEqual({ status: "ok", response: { ping: "hooray!" } });
  });

  it("on an invalid event: only timeout fires, the channel errors and rejoins, then ping works (scenario 29)", async () => {
    const h = await start();
    const channel = client(h, { timeout: 400 }).channel("ping");
    let joins = 0;
    const errors: unknown[] = [];
    channel.onError((reason) => errors.push(reason));
    channel.join().receive("ok", () => {
      joins += 1;
    });
    await waitFor(() => joins === 1, 2_000, "the first join");
    const seen = record(channel.push("invalid"));
    await waitFor(() => joins === 2, 2_000, "the automatic rejoin");
    expect(errors).toEqual([{ reason: "channel_crash" }]);
    await waitFor(() => seen.length > 0, 2_000, "the invalid push to settle");
    await sleep(100);
    expect(seen.map((s) => s.status)).toEqual(["timeout"]);
    expect(await outcome(channel.push("ping"))).toEqual({ status: "ok", response: { ping: "pong" } });
  });

  it("receives send_ping in every client after a request_ping publish, and each ping gets pong (scenario 31)", async () => {
    const h = await start();
    const answers: string[][] = [[], []];
    const joined = [false, false];
    for (const i of [0, 1]) {
      const channel = client(h).channel("ping");
      channel.on("send_ping", (payload) => {
        answers[i].push(`requested ${JSON.stringify(payload)}`);
        channel.push("ping").receive("ok", (r) => answers[i].push(`ping: ${r.ping}`));
      });
      channel.join().receive("ok", () => {
        joined[i] = true;
      });
    }
    await waitFor(() => joined.every(Boolean), 2_000, "both joins");
    const res = await publish(h.base, API_KEY, { topic: "ping", event: "request_ping", payload: {} });
    expect(res.status).toBe(200);
    await waitFor(() => answers.every((a) => a.length === 2), 2_000, "send_ping and pong in both clients");
    for (const a of answers) expect(a).toEqual(['requested {"from_node":"nonode@nohost"}', "ping: pong"]);
  });

  it("sends an ArrayBuffer payload as a binary frame and gets the binary echo back", async () => {
    const h = await start();
    const channel = client(h).channel("ping");
    channel.join();
    const bytes = Uint8Array.from([1, 2, 3, 250]);
    const result = await outcome(channel.push("param_ping", bytes.buffer));
    expect(result.status).toBe("ok");
    expect(result.response).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(result.response as ArrayBuffer)]).toEqual([1, 2, 3, 250]);
  });

  it("keeps the connection up with answered heartbeats", async () => {
    const h = await start({ socketTimeoutMs: 300 });
    const socket = client(h, { heartbeatIntervalMs: 60 });
    const closes: number[] = [];
    socket.onClose((e) => closes.push(e.code));
    const channel = socket.channel("ping");
    expect((await outcome(channel.join())).status).toBe("ok");
    await sleep(800);
    expect(closes).toEqual([]);
    expect(socket.isConnected()).toBe(true);
    const rtt = await new Promise<number>((resolve) => socket.ping(resolve));
    expect(rtt).toBeGreaterThanOrEqual(0);
  });

  it("receives DedupeChannel numbers once each", async () => {
    const h = await start();
    const channel = client(h).channel("dupe");
    const values: unknown[] = [];
    channel.on("number", (p) => values.push(p));
    expect((await outcome(channel.join())).status).toBe("ok");
    for (let i = 0; i < 10; i++) for (const number of [1, 2, 3]) await h.endpoint.broadcast("dupe", "number", { number });
    await waitFor(() => values.length >= 3, 3_000, "three numbers");
    await sleep(300);
    expect(values).toEqual([{ value: 1 }, { value: 2 }, { value: 3 }]);
  });
});

describe("AuthSocket with phoenix.js", () => {
  it("connects with params {token}, refuses user:2 and receives recurring new_token pushes", async () => {
    const h = await start({ recurringMs: 200 });
    const socket = client(h, { params: { token: sign(SECRET, TOKEN_SALT, 1) } }, "/auth_socket");
    const ping = socket.channel("ping");
    expect(await outcome(ping.join())).toEqual({ status: "ok", response: {} });
    expect(await outcome(ping.push("ping"))).toEqual({ status: "ok", response: { ping: "pong" } });

    const other = socket.channel("user:2");
    expect(await outcome(other.join())).toEqual({ status: "error", response: { reason: "unauthorized" } });
    other.leave();

    const recurring = socket.channel("recurring");
    recurring.join();
    const first = await nextEvent(recurring, "new_token", 2_000);
    const second = await nextEvent(recurring, "new_token", 2_000);
    for (const payload of [first, second]) expect(verify(SECRET, TOKEN_SALT, payload.token)).toEqual({ ok: true, data: 1 });
    expect(first.token).not.toBe(second.token);
  });

  it("does not connect without a token, and keeps retrying", async () => {
    const h = await start();
    const socket = client(h, {}, "/auth_socket");
    let errors = 0;
    socket.onError(() => {
      errors += 1;
    });
    await waitFor(() => errors >= 2, 2_000, "two refused connection attempts");
    expect(socket.isConnected()).toBe(false);
  });

  it("reconnects and rejoins after a disconnect-by-id (1001)", async () => {
    const h = await start();
    const socket = client(h, { params: { token: sign(SECRET, TOKEN_SALT, 1) } }, "/auth_socket");
    const closes: number[] = [];
    let opens = 0;
    let joins = 0;
    socket.onClose((e) => closes.push(e.code));
    socket.onOpen(() => {
      opens += 1;
    });
    const channel = socket.channel("ping");
    channel.join().receive("ok", () => {
      joins += 1;
    });
    await waitFor(() => joins === 1, 2_000, "the first join");
    await h.endpoint.broadcast("auth_socket:1", "disconnect", {});
    await waitFor(() => joins === 2, 3_000, "the reconnect and rejoin");
    expect(closes).toEqual([1001]);
    expect(opens).toBe(2);
    expect(await outcome(channel.push("ping"))).toEqual({ status: "ok", response: { ping: "pong" } });
  });
});
