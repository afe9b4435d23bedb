// Missed-message recovery through a channel join, driven with the channel test kit.
import { describe, expect, it } from "vitest";
import { Endpoint } from "../endpoint/endpoint.js";
import { createLogger } from "../util/log.js";
import { defineSocket } from "../socket/definition.js";
import { channelTest } from "../testing/index.js";
import { defineChannel } from "./definition.js";
import { ok } from "./results.js";

const RoomChannel = defineChannel({
  join: () => ok({ hello: "world" }),
  intercepts: ["shout"],
  handleOut: { shout: (p, s) => s.push("shout", { loud: p.text }) },
});
const Socket = defineSocket({
  channels: [
    ["room:*", RoomChannel, { history: { size: 10 } }],
    ["plain:*", RoomChannel],
  ],
});

function setup() {
  const endpoint = new Endpoint({ logger: createLogger({ level: "silent" }) });
  endpoint.socket("/socket", Socket);
  return { endpoint, t: channelTest({ endpoint }) };
}

describe("history topics", () => {
  it("give broadcasts an epoch:offset id and answer joins with the position", async () => {
    const { endpoint, t } = setup();
    await endpoint.broadcast("room:1", "msg", { n: 1 });
    const joined = await t.join(t.socket(Socket), "room:1");
    if (!joined.ok) throw new Error("join failed");
    const { epoch } = joined.reply as { epoch: string };
    expect(joined.reply).toEqual({ hello: "world", epoch, offset: 1 });
    await endpoint.broadcast("room:1", "msg", { n: 2 });
    expect(t.mailbox.all()).toEqual([{ kind: "push", topic: "room:1", event: "msg", payload: { n: 2 }, joinRef: null, ref: `${epoch}:2` }]);
    await t.cleanup();
  });

  it("replay what a rejoining client missed, in order, then live messages", async () => {
    const { endpoint, t } = setup();
    const first = await t.join(t.socket(Socket), "room:2");
    if (!first.ok) throw new Error("join failed");
    const { epoch } = first.reply as { epoch: string };
    await t.close(first.channel);
    for (const n of [1, 2, 3]) await endpoint.broadcast("room:2", "msg", { n });
    await endpoint.broadcast("room:2", "shout", { text: "hey" });
    t.mailbox.clear();
    const again = await t.join(t.socket(Socket), "room:2", { recover: { epoch, offset: 1 } });
    expect(again).toMatchObject({ ok: true, reply: { recovered: true, epoch, offset: 4 } });
    await endpoint.broadcast("room:2", "msg", { n: 5 });
    await t.assertPush("shout", { loud: "hey" });
    expect(t.mailbox.all().map((i) => (i.kind === "push" ? [i.event, i.payload] : i.kind))).toEqual([
      ["msg", { n: 2 }],
      ["msg", { n: 3 }],
      ["msg", { n: 5 }],
    ]);
    await t.cleanup();
  });

  it("say recovered: false when the gap is gone or the epoch is unknown, and replay nothing", async () => {
    const { endpoint, t } = setup();
    for (let n = 1; n <= 15; n++) await endpoint.broadcast("room:3", "msg", { n });
    const stale = await t.join(t.socket(Socket), "room:3", { recover: "nope:3" });
    expect(stale).toMatchObject({ ok: true, reply: { recovered: false, offset: 15 } });
    const { epoch } = (stale as { reply: { epoch: string } }).reply;
    const gap = await t.join(t.socket(Socket), "room:3", { recover: `${epoch}:2` });
    expect(gap).toMatchObject({ ok: true, reply: { recovered: false } });
    await t.refutePush(undefined, undefined, 20);
    await t.cleanup();
  });

  it("leave other topics untouched: no ids, no position in the reply", async () => {
    const { endpoint, t } = setup();
    const joined = await t.join(t.socket(Socket), "plain:1");
    expect(joined).toMatchObject({ ok: true, reply: { hello: "world" } });
    expect((joined as { reply: object }).reply).not.toHaveProperty("epoch");
    await endpoint.broadcast("plain:1", "msg", { n: 1 });
    expect(t.mailbox.all()).toEqual([{ kind: "push", topic: "plain:1", event: "msg", payload: { n: 1 }, joinRef: null }]);
    await t.cleanup();
  });
});
