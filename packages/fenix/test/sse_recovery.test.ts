// Resuming SSE streams from Last-Event-ID on history topics: a single-topic stream uses the
// message id (`epoch:offset`) as the SSE id; a stream over several topics carries one combined id
// (base64url JSON of {topic: "epoch:offset"}) from which every topic recovers.
import type { AddressInfo } from "node:net";
import { Endpoint, createLogger, defineChannel, defineSocket, ok, websocket, sse } from "fenix";
import { afterEach, describe, expect, it } from "vitest";
import { SseStream, closeAllStreams, until } from "./support/sse_client.js";

const NewsChannel = defineChannel({ name: "NewsChannel", join: () => ok({ hello: true }) });
const RoomChannel = defineChannel({ name: "RoomChannel", join: () => ok() });

const UserSocket = defineSocket({
  name: "UserSocket",
  channels: [
    ["news:*", NewsChannel, { history: { size: 50 } }],
    ["room:*", RoomChannel],
  ],
});

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  closeAllStreams();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start() {
  const endpoint = new Endpoint({ logger: createLogger({ level: "silent" }) });
  endpoint.socket("/socket", UserSocket, { transports: [websocket(), sse()] });
  const server = await endpoint.listen(0, "127.0.0.1");
  cleanups.push(() => endpoint.close());
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const open = async (query: string, headers: Record<string, string> = {}) => {
    const stream = await SseStream.open(`${base}/socket/sse?${query}`, headers);
    expect(stream.status).toBe(200);
    return stream;
  };
  /** Closes the stream and waits until the server has let go of it. */
  const drop = async (stream: SseStream) => {
    stream.close();
    await until(() => endpoint.connections.size === 0, 2_000, "the server to release the stream");
  };
  return { endpoint, open, drop };
}

function decode(id: string | undefined): Record<string, string> {
  return JSON.parse(Buffer.from(id ?? "", "base64url").toString("utf8"));
}

const numbers = (stream: SseStream) => stream.named("news").map((e) => e.json.payload.n);

describe("a stream on one history topic", () => {
  it("uses epoch:offset ids and resumes from Last-Event-ID, replaying before live messages", async () => {
    const { endpoint, open, drop } = await start();
    const first = await open("topics=news:1");
    const reply = await first.reply("news:1");
    expect(reply.json.response).toMatchObject({ hello: true, offset: 0 });
    const epoch = reply.json.response.epoch as string;
    expect(reply.id).toBe(`${epoch}:0`);
    for (const n of [1, 2, 3]) await endpoint.broadcast("news:1", "news", { n });
    await first.waitForCount("news", 3);
    expect(first.named("news").map((e) => e.id)).toEqual([`${epoch}:1`, `${epoch}:2`, `${epoch}:3`]);
    await drop(first);

    for (const n of [4, 5]) await endpoint.broadcast("news:1", "news", { n });
    const second = await open("topics=news:1", { "last-event-id": `${epoch}:3` });
    const resumed = await second.reply("news:1");
    expect(resumed.json.response).toEqual({ hello: true, epoch, offset: 5, recovered: true });
    await endpoint.broadcast("news:1", "news", { n: 6 });
    await second.waitForCount("news", 3);
    expect(numbers(second)).toEqual([4, 5, 6]);
    expect(second.named("news").map((e) => e.id)).toEqual([`${epoch}:4`, `${epoch}:5`, `${epoch}:6`]);
  });

  it("resumes from the join reply's id when the stream broke before any message", async () => {
    const { endpoint, open, drop } = await start();
    const first = await open("topics=news:2");
    const lastId = (await first.reply("news:2")).id as string;
    await drop(first);
    for (const n of [1, 2]) await endpoint.broadcast("news:2", "news", { n });
    const second = await open("topics=news:2", { "last-event-id": lastId });
    expect((await second.reply("news:2")).json.response.recovered).toBe(true);
    await second.waitForCount("news", 2);
    expect(numbers(second)).toEqual([1, 2]);
  });

  it("takes `lastEventId` from the query on a first connect; the header wins over it", async () => {
    const { endpoint, open } = await start();
    const probe = await open("topics=news:3");
    const epoch = (await probe.reply("news:3")).json.response.epoch;
    for (const n of [1, 2, 3]) await endpoint.broadcast("news:3", "news", { n });
    await probe.waitForCount("news", 3);
    const fromQuery = await open(`topics=news:3&lastEventId=${epoch}:1`);
    await fromQuery.waitForCount("news", 2);
    expect(numbers(fromQuery)).toEqual([2, 3]);
    const fromHeader = await open(`topics=news:3&lastEventId=${epoch}:1`, { "last-event-id": `${epoch}:2` });
    await fromHeader.waitForCount("news", 1);
    expect(numbers(fromHeader)).toEqual([3]);
  });

  it("says recovered: false and moves the id to the present when the gap cannot be filled", async () => {
    const { endpoint, open } = await start();
    await endpoint.broadcast("news:4", "news", { n: 1 });
    const stream = await open("topics=news:4", { "last-event-id": "someOtherEpoch:1" });
    const reply = await stream.reply("news:4");
    expect(reply.json.response).toMatchObject({ recovered: false, offset: 1 });
    expect(reply.id).toBe(`${reply.json.response.epoch}:1`);
    expect(stream.named("news")).toEqual([]);
  });
});

describe("a stream over several topics", () => {
  it("carries one combined id from which every history topic recovers", async () => {
    const { endpoint, open, drop } = await start();
    const first = await open("topics=news:a,news:b,room:1");
    const a = (await first.reply("news:a")).json.response.epoch as string;
    const b = (await first.reply("news:b")).json.response.epoch as string;
    expect((await first.reply("room:1")).id).toBeUndefined();
    await endpoint.broadcast("news:a", "news", { n: 1 });
    await endpoint.broadcast("news:b", "news", { n: 2 });
    await endpoint.broadcast("room:1", "chat", { text: "no history" });
    await first.waitFor((e) => e.event === "chat");
    const [fromA, fromB] = first.named("news");
    expect(decode(fromA.id)).toEqual({ "news:a": `${a}:1`, "news:b": `${b}:0` });
    expect(decode(fromB.id)).toEqual({ "news:a": `${a}:1`, "news:b": `${b}:1` });
    expect(first.named("chat")[0].id).toBeUndefined();
    await drop(first);

    await endpoint.broadcast("news:a", "news", { n: 3 });
    await endpoint.broadcast("news:b", "news", { n: 4 });
    await endpoint.broadcast("news:b", "news", { n: 5 });
    const second = await open("topics=news:a,news:b,room:1", { "last-event-id": fromB.id as string });
    expect((await second.reply("news:a")).json.response.recovered).toBe(true);
    expect((await second.reply("news:b")).json.response.recovered).toBe(true);
    await second.waitForCount("news", 3);
    expect(numbers(second)).toEqual([3, 4, 5]);
    expect(decode(second.named("news")[2].id)).toEqual({ "news:a": `${a}:2`, "news:b": `${b}:3` });
  });
});
