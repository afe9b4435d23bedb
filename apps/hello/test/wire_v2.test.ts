// Black-box V2 (vsn=2.0.0) wire tests of /socket: the book's chapter 3 transcripts
// (Real-Time Phoenix, part A §1.10 and §9 scenarios 2–9, 11, 12, 15–17, 20, 22, 23).
//
// Fenix follows current Phoenix where it differs from the book's 1.4 transcripts:
//   - phx_error carries {"reason":"channel_crash"} (book: {});
//   - replies echo the client's join_ref (book: the join message's ref), so joins here
//     send join_ref == ref, as phoenix.js does, except in the one test that pins this choice.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startHello } from "./support/hello.js";
import type { Hello } from "./support/hello.js";
import { joinFrame, reply } from "./support/wire.js";
import type { WireClient } from "./support/wire.js";

let hello: Hello;
let ws: WireClient;

beforeEach(async () => {
  hello = await startHello();
  ws = await hello.connect();
});

afterEach(async () => {
  await hello.stop();
});

const UNMATCHED = { reason: "unmatched topic" };

async function joinPing(): Promise<void> {
  expect(await ws.request(["1", "1", "ping", "phx_join", {}])).toEqual(reply("1", "1", "ping", "ok", {}));
}

describe("PingChannel over V2 text frames", () => {
  it("joins ping and answers ping with pong (scenarios 2, 3)", async () => {
    await joinPing();
    expect(await ws.request(["1", "2", "ping", "ping", {}])).toEqual(reply("1", "2", "ping", "ok", { ping: "pong" }));
  });

  it("answers an ack_phrase, then the general clause again (scenario 4)", async () => {
    await joinPing();
    expect(await ws.request(["1", "2", "ping", "ping", { ack_phrase: "hooray!" }])).toEqual(reply("1", "2", "ping", "ok", { ping: "hooray!" }));
    expect(await ws.request(["1", "3", "ping", "ping", {}])).toEqual(reply("1", "3", "ping", "ok", { ping: "pong" }));
  });

  it("matches the ping:<phrase> event prefix (scenario 5)", async () => {
    await joinPing();
    expect(await ws.request(["1", "2", "ping", "ping:hooray!", {}])).toEqual(reply("1", "2", "ping", "ok", { ping: "hooray!" }));
  });

  it("routes the wildcard topic ping:wild, echoing ref 1 twice (scenario 9)", async () => {
    expect(await ws.request(["1", "1", "ping:wild", "phx_join", {}])).toEqual(reply("1", "1", "ping:wild", "ok", {}));
    expect(await ws.request(["1", "1", "ping:wild", "ping", {}])).toEqual(reply("1", "1", "ping:wild", "ok", { ping: "pong" }));
  });

  it("sends nothing for pong and stays usable (scenario 15)", async () => {
    await joinPing();
    ws.send(["1", "2", "ping", "pong", {}]);
    await ws.expectNone(500);
    expect(await ws.request(["1", "3", "ping", "ping", {}])).toEqual(reply("1", "3", "ping", "ok", { ping: "pong" }));
  });

  it("replies to ding, then closes the channel, then the topic is unmatched (scenario 16)", async () => {
    await joinPing();
    ws.send(["1", "2", "ping", "ding", {}]);
    expect(await ws.take(2)).toEqual([reply("1", "2", "ping", "ok", { msg: "shutting down" }), ["1", "1", "ping", "phx_close", {}]]);
    expect(await ws.request(["1", "3", "ping", "ping", {}])).toEqual(reply(null, "3", "ping", "error", UNMATCHED));
    expect(ws.isOpen).toBe(true);
  });

  it("answers param_ping with an error reply or an echo (scenario 17)", async () => {
    await joinPing();
    expect(await ws.request(["1", "2", "ping", "param_ping", { error: true }])).toEqual(reply("1", "2", "ping", "error", { reason: "You asked for this!" }));
    expect(await ws.request(["1", "3", "ping", "param_ping", { error: false, arr: [1, 2] }])).toEqual(
      reply("1", "3", "ping", "ok", { error: false, arr: [1, 2] }),
    );
  });

  it("leaves: ok reply for the leave ref, then phx_close for the join ref, then unmatched (scenario 22)", async () => {
    await joinPing();
    ws.send(["1", "3", "ping", "phx_leave", {}]);
    expect(await ws.take(2)).toEqual([reply("1", "3", "ping", "ok", {}), ["1", "1", "ping", "phx_close", {}]]);
    expect(await ws.request(["1", "4", "ping", "ping", {}])).toEqual(reply(null, "4", "ping", "error", UNMATCHED));
  });

  it("answers a leave of a topic that is not joined with ok and no phx_close", async () => {
    expect(await ws.request(["1", "3", "ping", "phx_leave", {}])).toEqual(reply("1", "3", "ping", "ok", {}));
    await ws.expectNone(200);
  });
});

describe("crashes", () => {
  it("isolates a channel crash: phx_error with ref = join_ref, no reply, other channel alive (scenario 6)", async () => {
    await joinPing();
    expect(await ws.request(["2", "2", "wild:1:2", "phx_join", {}])).toEqual(reply("2", "2", "wild:1:2", "ok", {}));
    ws.send(["1", "2", "ping", "ping2", {}]);
    expect(await ws.next()).toEqual(["1", "1", "ping", "phx_error", { reason: "channel_crash" }]);
    await ws.expectNone(200);
    expect(ws.isOpen).toBe(true);
    expect(await ws.request(["2", "3", "wild:1:2", "ping", {}])).toEqual(reply("2", "3", "wild:1:2", "ok", { ping: "pong" }));
  });

  it("answers unmatched topic after a crash until the client rejoins (scenario 7)", async () => {
    await joinPing();
    ws.send(["1", "2", "ping", "ping2", {}]);
    expect(await ws.next()).toEqual(["1", "1", "ping", "phx_error", { reason: "channel_crash" }]);
    expect(await ws.request(["1", "2", "ping", "ping", {}])).toEqual(reply(null, "2", "ping", "error", UNMATCHED));
    await joinPing();
    expect(await ws.request(["1", "3", "ping", "ping", {}])).toEqual(reply("1", "3", "ping", "ok", { ping: "pong" }));
  });

  it("closes the connection with 1011 on a text frame that is not JSON (scenario 8)", async () => {
    await joinPing();
    ws.sendText("crash");
    expect((await ws.waitClose()).code).toBe(1011);
  });

  it("closes with 1011 on a JSON frame that is not a 5-element array", async () => {
    ws.sendText('["1","1","ping"]');
    expect((await ws.waitClose()).code).toBe(1011);
  });

  it("ignores elements after the fifth, as Phoenix's V2 decoder does", async () => {
    expect(await ws.request(["1", "1", "ping", "phx_join", {}, "extra"])).toEqual(reply("1", "1", "ping", "ok", {}));
  });

  it("closes with 1011 when the topic is not a string", async () => {
    ws.send([null, "1", 5, "phx_join", {}]);
    expect((await ws.waitClose()).code).toBe(1011);
  });
});

describe("WildcardChannel join validation (scenario 11)", () => {
  const cases: [topic: string, status: "ok" | "error", response: unknown][] = [
    ["wild:1:2", "ok", {}],
    ["wild:1:3", "error", {}],
    ["wild:20:40", "ok", {}],
    ["wild:2:4:6", "error", {}],
    ["wild:a:b", "error", { reason: "join crashed" }],
    ["wild:99999999999999999999:199999999999999999998", "ok", {}],
    ["wild:99999999999999999999:199999999999999999999", "error", {}],
    ["wild:+1:2", "ok", {}],
    ["wild:-3:-6", "ok", {}],
    ["wild:1.0:2", "error", { reason: "join crashed" }],
    ["wild:1", "error", {}],
    ["wild:", "error", { reason: "join crashed" }],
  ];

  it("gives each topic its book outcome, in order, on one connection", async () => {
    let ref = 0;
    for (const [topic, status, response] of cases) {
      ref += 1;
      const r = String(ref);
      expect(await ws.request(joinFrame(r, topic)), topic).toEqual(reply(r, r, topic, status, response));
    }
    // Refused and crashed joins leave nothing behind; the joined ones answer.
    expect(await ws.request(["1", "100", "wild:1:2", "ping", {}])).toEqual(reply("1", "100", "wild:1:2", "ok", { ping: "pong" }));
    expect(await ws.request(["2", "101", "wild:1:3", "ping", {}])).toEqual(reply(null, "101", "wild:1:3", "error", UNMATCHED));
    expect(await ws.request(["5", "102", "wild:a:b", "ping", {}])).toEqual(reply(null, "102", "wild:a:b", "error", UNMATCHED));
    expect(ws.isOpen).toBe(true);
  });

  it('echoes the client\'s join_ref, not the message ref, on join replies (current Phoenix; the book\'s 1.4 shows ["3","3",…])', async () => {
    expect(await ws.request(["1", "3", "wild:1:3", "phx_join", {}])).toEqual(reply("1", "3", "wild:1:3", "error", {}));
    expect(await ws.request(["1", "4", "wild:20:40", "phx_join", {}])).toEqual(reply("1", "4", "wild:20:40", "ok", {}));
  });

  it("lets a rejected topic be joined again later with other refs", async () => {
    expect(await ws.request(joinFrame("1", "wild:1:3"))).toEqual(reply("1", "1", "wild:1:3", "error", {}));
    expect(await ws.request(joinFrame("2", "wild:1:3"))).toEqual(reply("2", "2", "wild:1:3", "error", {}));
  });
});

describe("routing and control messages", () => {
  it("refuses a join to an unrouted topic with a null join_ref (scenario 12)", async () => {
    expect(await ws.request(["1", "1", "nope", "phx_join", {}])).toEqual(reply(null, "1", "nope", "error", UNMATCHED));
  });

  it("does not route ping:* to the bare topic prefix without the colon", async () => {
    expect(await ws.request(joinFrame("1", "pingx"))).toEqual(reply(null, "1", "pingx", "error", UNMATCHED));
    expect(await ws.request(joinFrame("2", "ping:"))).toEqual(reply("2", "2", "ping:", "ok", {}));
  });

  it("answers a heartbeat with no channel joined (scenario 20)", async () => {
    expect(await ws.request([null, "7", "phoenix", "heartbeat", {}])).toEqual(reply(null, "7", "phoenix", "ok", {}));
  });

  it("treats other events on the phoenix topic as an unmatched topic", async () => {
    expect(await ws.request([null, "3", "phoenix", "ping", {}])).toEqual(reply(null, "3", "phoenix", "error", UNMATCHED));
  });

  it("answers a heartbeat with channels joined, without a join_ref", async () => {
    await joinPing();
    expect(await ws.request(["2", "2", "wild:2:4", "phx_join", {}])).toEqual(reply("2", "2", "wild:2:4", "ok", {}));
    expect(await ws.request([null, "9", "phoenix", "heartbeat", {}])).toEqual(reply(null, "9", "phoenix", "ok", {}));
  });

  it("drops a message whose join_ref is stale, with no reply", async () => {
    await joinPing();
    ws.send(["99", "2", "ping", "ping", {}]);
    await ws.expectNone(300);
    expect(await ws.request([null, "3", "ping", "ping", {}])).toEqual(reply("1", "3", "ping", "ok", { ping: "pong" }));
  });

  it("ignores a leave with a stale join_ref and accepts one with a null join_ref", async () => {
    await joinPing();
    ws.send(["stale", "stale", "ping", "phx_leave", {}]);
    await ws.expectNone(300);
    ws.send([null, "2", "ping", "phx_leave", {}]);
    expect(await ws.take(2)).toEqual([reply("1", "2", "ping", "ok", {}), ["1", "1", "ping", "phx_close", {}]]);
  });

  it("refuses the 101st channel on one connection with too many channels joined", async () => {
    for (let i = 1; i <= 100; i++) ws.send(joinFrame(String(i), `ping:${i}`));
    const replies = await ws.take(100);
    expect(replies.every((r) => (r as unknown[])[4] !== undefined && ((r as unknown[])[4] as { status: string }).status === "ok")).toBe(true);
    expect(await ws.request(joinFrame("101", "ping:101"))).toEqual(reply("101", "101", "ping:101", "error", { reason: "too many channels joined" }));
    expect(await ws.request(["100", "102", "ping:100", "ping", {}])).toEqual(reply("100", "102", "ping:100", "ok", { ping: "pong" }));
  });

  it("closes the old channel on a duplicate join: new ok reply and old phx_close (scenario 23)", async () => {
    await joinPing();
    ws.send(["5", "5", "ping", "phx_join", {}]);
    const frames = await ws.take(2);
    expect(frames).toHaveLength(2);
    expect(frames).toContainEqual(reply("5", "5", "ping", "ok", {}));
    expect(frames).toContainEqual(["1", "1", "ping", "phx_close", {}]);
    // Only the new channel answers.
    expect(await ws.request(["5", "6", "ping", "ping", {}])).toEqual(reply("5", "6", "ping", "ok", { ping: "pong" }));
    ws.send(["1", "7", "ping", "ping", {}]);
    await ws.expectNone(300);
  });
});
