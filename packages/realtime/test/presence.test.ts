import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { client, closeClients, eventually, name, recordingTransport, startNode, subscribed, token } from "./support.js";
import type { Node, WireFrame } from "./support.js";

let node: Node;
let apikey: string;

beforeAll(async () => {
  node = await startNode();
  apikey = await token();
});
afterEach(closeClients);
afterAll(() => node.endpoint.close());

const events = (frames: WireFrame[]) => frames.filter((f) => f.direction === "in" && !f.binary).map((f) => JSON.parse(f.text)[3] as string);

describe("presence.enabled", () => {
  it("presence_state comes after join only when the client asked for presence", async () => {
    const topic = name();
    const tracker = await subscribed(client(node.url, apikey).channel(topic, { config: { presence: { key: "first" } } }));
    expect(await tracker.track({ here: true })).toBe("ok");

    const without: WireFrame[] = [];
    const quiet = await subscribed(client(node.url, apikey, { transport: recordingTransport(without) }).channel(topic));
    const withFrames: WireFrame[] = [];
    const listening = client(node.url, apikey, { transport: recordingTransport(withFrames) })
      .channel(topic)
      .on("presence", { event: "sync" }, () => {});
    await subscribed(listening);
    await eventually(() => Object.keys(listening.presenceState()).join() === "first", 10_000, "the listener's state");
    expect(listening.presenceState().first).toEqual([{ here: true, presence_ref: expect.any(String) }]);
    const state = withFrames.find((f) => f.direction === "in" && !f.binary && JSON.parse(f.text)[3] === "presence_state") as WireFrame;
    expect(JSON.parse(state.text)[4]).toEqual({ first: { metas: [{ here: true, phx_ref: expect.any(String) }] } });
    // The quiet client's heartbeat reply comes after anything sent to it at join.
    await quiet.socket.sendHeartbeat();
    await eventually(() => without.some((f) => f.direction === "in" && !f.binary && JSON.parse(f.text)[2] === "phoenix"), 10_000, "a heartbeat reply");
    expect(events(without)).not.toContain("presence_state");
    expect(Object.keys(quiet.presenceState())).toEqual([]);
  });
});
