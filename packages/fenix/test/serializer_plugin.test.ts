// A third serializer, plugged in from outside: defined here against the public `Serializer`
// interface ("fenix/protocol"), listed in a socket's `serializers`, and negotiated by `vsn` over
// a real WebSocket next to Phoenix's V1 and V2 — without touching any of Fenix's files.
import type { AddressInfo } from "node:net";
import { Endpoint, createLogger, defineChannel, defineSocket, ok } from "fenix";
import {
  DecodeError,
  EncodeError,
  V1Serializer,
  V2Serializer,
  checkRef,
  checkString,
  isBinary,
  isReply,
  negotiateSerializer,
  parseRequirement,
  serializerTable,
} from "fenix/protocol";
import type { Broadcast, Frame, InboundMessage, Outbound, Serializer, SharedFrame } from "fenix/protocol";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Proto } from "./support/protocol.js";
import { V2 } from "./support/protocol.js";
import { TestClient, terminateAll } from "./support/ws_client.js";

// ---- the plugin ------------------------------------------------------------------------------

/** V3 frames are JSON objects: `{join_ref, ref, topic, event, payload}`; replies are `phx_reply` with `{status, response}`. */
function v3Frame(joinRef: unknown, ref: unknown, topic: string, event: string, payload: unknown): string {
  if (isBinary(payload)) throw new EncodeError("v3 frames carry JSON payloads only");
  return JSON.stringify({ join_ref: joinRef, ref, topic, event, payload: payload ?? {} });
}

const V3: Serializer = {
  name: "v3",
  vsn: "~> 3.0.0",
  decode(data: string | Buffer, binary: boolean): InboundMessage {
    if (binary) throw new DecodeError("v3 has no binary frames");
    let raw: unknown;
    try {
      raw = JSON.parse(typeof data === "string" ? data : data.toString("utf8"));
    } catch (err) {
      throw new DecodeError(`invalid JSON: ${(err as Error).message}`);
    }
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new DecodeError("v3 frames must be JSON objects");
    const frame = raw as Record<string, unknown>;
    return {
      joinRef: checkRef(frame.join_ref, "join_ref"),
      ref: checkRef(frame.ref, "ref"),
      topic: checkString(frame.topic, "topic"),
      event: checkString(frame.event, "event"),
      payload: frame.payload ?? {},
    };
  },
  encode(message: Outbound): Frame {
    if (isReply(message)) {
      return {
        data: v3Frame(message.joinRef, message.ref, message.topic, "phx_reply", { status: message.status, response: message.response ?? {} }),
        binary: false,
      };
    }
    return { data: v3Frame(message.joinRef, message.ref, message.topic, message.event, message.payload), binary: false };
  },
  fastlane(broadcast: Broadcast): SharedFrame {
    return { data: v3Frame(null, broadcast.id ?? null, broadcast.topic, broadcast.event, broadcast.payload), binary: false };
  },
};

/** The test client's view of V3 (what it writes, what it must receive). */
const V3_CLIENT: Proto = {
  name: "V3",
  vsn: "3.0.0",
  frame: (joinRef, ref, topic, event, payload) => JSON.stringify({ join_ref: joinRef, ref, topic, event, payload }),
  out: (joinRef, ref, topic, event, payload) => ({ join_ref: joinRef, ref, topic, event, payload }),
};

// ---- the application -------------------------------------------------------------------------

const Room = defineChannel({
  name: "Room",
  join: (topic) => ok({ joined: topic }),
  handleIn: {
    ping: (payload) => ok({ pong: payload }),
    shout: (payload, socket) => {
      void socket.broadcast("shout", payload);
    },
  },
});

const channels = [["room:*", Room]] as const;

let endpoint: Endpoint;
let base: string;

beforeEach(async () => {
  endpoint = new Endpoint({ logger: createLogger({ level: "silent" }) });
  endpoint.socket("/socket", defineSocket({ name: "AllSocket", channels, serializers: [V1Serializer, V2Serializer, V3] }));
  endpoint.socket("/modern", defineSocket({ name: "ModernSocket", channels, serializers: [V2Serializer, V3] }));
  const server = await endpoint.listen(0, "127.0.0.1");
  base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  vi.restoreAllMocks();
  terminateAll();
  await endpoint.close();
});

const url = (path: string, vsn?: string) => `${base}${path}/websocket${vsn === undefined ? "" : `?vsn=${vsn}`}`;

async function joined(proto: Proto, topic: string, joinRef: string, path = "/socket"): Promise<TestClient> {
  const client = await TestClient.open(url(path, proto.vsn), { proto });
  client.push(joinRef, joinRef, topic, "phx_join", {});
  await client.expectReply(joinRef, joinRef, topic, "ok", { joined: topic });
  return client;
}

describe("a third serializer, negotiated by vsn", () => {
  it("?vsn=3.0.0 speaks v3: join reply, reply and broadcast are v3 objects", async () => {
    const client = await TestClient.open(url("/socket", "3.0.0"), { proto: V3_CLIENT });
    client.sendText(JSON.stringify({ join_ref: "1", ref: "1", topic: "room:a", event: "phx_join", payload: {} }));
    await client.expectFrame({ join_ref: "1", ref: "1", topic: "room:a", event: "phx_reply", payload: { status: "ok", response: { joined: "room:a" } } });
    client.push("1", "2", "room:a", "ping", { n: 1 });
    await client.expectFrame({ join_ref: "1", ref: "2", topic: "room:a", event: "phx_reply", payload: { status: "ok", response: { pong: { n: 1 } } } });
    await endpoint.broadcast("room:a", "news", { headline: "v3" });
    await client.expectFrame({ join_ref: null, ref: null, topic: "room:a", event: "news", payload: { headline: "v3" } });
    // Heartbeats too go through the negotiated serializer.
    client.push(null, "3", "phoenix", "heartbeat", {});
    await client.expectFrame({ join_ref: null, ref: "3", topic: "phoenix", event: "phx_reply", payload: { status: "ok", response: {} } });
  });

  it("encodes a broadcast once for all its v3 subscribers (fastlane), and once more for V2 ones", async () => {
    const fastlane = vi.spyOn(V3, "fastlane");
    const v2Fastlane = vi.spyOn(V2Serializer, "fastlane");
    const clients = [await joined(V3_CLIENT, "room:f", "1"), await joined(V3_CLIENT, "room:f", "2"), await joined(V3_CLIENT, "room:f", "3")];
    const v2 = await joined(V2, "room:f", "4");
    expect(fastlane).not.toHaveBeenCalled();
    await endpoint.broadcast("room:f", "news", { n: 1 });
    for (const client of clients) await client.expectMessage(null, null, "room:f", "news", { n: 1 });
    await v2.expectMessage(null, null, "room:f", "news", { n: 1 });
    expect(fastlane).toHaveBeenCalledTimes(1);
    expect(fastlane).toHaveBeenCalledWith({ topic: "room:f", event: "news", payload: { n: 1 } });
    expect(v2Fastlane).toHaveBeenCalledTimes(1);

    // A broadcast from a channel (socket.broadcast) takes the same path.
    clients[0].push("1", "9", "room:f", "shout", { loud: true });
    for (const client of clients) await client.expectMessage(null, null, "room:f", "shout", { loud: true });
    expect(fastlane).toHaveBeenCalledTimes(2);
  });

  it("?vsn=2.0.0 still gets V2 arrays from the same socket", async () => {
    const client = await TestClient.open(url("/socket", "2.0.0"));
    client.sendText(JSON.stringify(["1", "1", "room:b", "phx_join", {}]));
    await client.expectFrame(["1", "1", "room:b", "phx_reply", { status: "ok", response: { joined: "room:b" } }]);
    await endpoint.broadcast("room:b", "news", { n: 2 });
    await client.expectFrame([null, null, "room:b", "news", { n: 2 }]);
  });

  it("no vsn (1.0.0) still gets V1 objects from the socket that lists V1", async () => {
    const client = await TestClient.open(url("/socket"));
    client.sendText(JSON.stringify({ topic: "room:c", event: "phx_join", payload: {}, ref: "1" }));
    await client.expectFrame({ topic: "room:c", event: "phx_reply", payload: { status: "ok", response: { joined: "room:c" } }, ref: "1" });
  });

  it("?vsn=4.0.0 matches no serializer: 403 before the upgrade", async () => {
    const refused = await TestClient.refused(url("/socket", "4.0.0"));
    expect(refused.status).toBe(403);
    expect(endpoint.connections.size).toBe(0);
    // 3.1.0 is outside "~> 3.0.0" as well.
    expect((await TestClient.refused(url("/socket", "3.1.0"))).status).toBe(403);
  });

  it("a socket without V1 refuses a client that sends no vsn (absent vsn means 1.0.0), and serves v3", async () => {
    expect((await TestClient.refused(url("/modern"))).status).toBe(403);
    expect((await TestClient.refused(url("/modern", "1.0.0"))).status).toBe(403);
    const client = await joined(V3_CLIENT, "room:m", "1", "/modern");
    await endpoint.broadcast("room:m", "news", {});
    await client.expectMessage(null, null, "room:m", "news", {});
  });

  it("a malformed v3 frame closes the connection with 1011, as a malformed V2 one does", async () => {
    const client = await TestClient.open(url("/socket", "3.0.0"), { proto: V3_CLIENT });
    client.sendText(JSON.stringify(["1", "1", "room:a", "phx_join", {}]));
    expect((await client.waitClosed()).code).toBe(1011);
  });
});

describe("parseRequirement (Elixir's ~>)", () => {
  it('"~> 2.0.0" is 2.0.x', () => {
    const accepts = parseRequirement("~> 2.0.0");
    expect(accepts([2, 0, 0])).toBe(true);
    expect(accepts([2, 0, 9])).toBe(true);
    expect(accepts([2, 1, 0])).toBe(false);
    expect(accepts([1, 9, 9])).toBe(false);
    expect(accepts([3, 0, 0])).toBe(false);
  });

  it('"~> 2.0" is 2.x', () => {
    const accepts = parseRequirement("~> 2.0");
    expect(accepts([2, 0, 0])).toBe(true);
    expect(accepts([2, 9, 0])).toBe(true);
    expect(accepts([3, 0, 0])).toBe(false);
    expect(accepts([1, 9, 9])).toBe(false);
    expect(parseRequirement("~> 2.3")([2, 2, 9])).toBe(false);
    expect(parseRequirement("~>2.3")([2, 3, 0])).toBe(true);
  });

  it("throws for a requirement it cannot read", () => {
    for (const bad of [">= 2.0.0", "2.0.0", "~> 2", "~> 2.0.0.1", "~> v2.0", "", "~> 02.0"]) {
      expect(() => parseRequirement(bad), bad).toThrow(/serializer vsn requirement/);
    }
  });

  it("a socket's table picks the first serializer whose range holds the vsn", () => {
    const table = serializerTable([V1Serializer, V2Serializer, V3]);
    expect(negotiateSerializer(undefined, table)).toBe(V1Serializer);
    expect(negotiateSerializer("2.0.7", table)).toBe(V2Serializer);
    expect(negotiateSerializer("3.0.5", table)).toBe(V3);
    expect(negotiateSerializer("3.1.0", table)).toBeNull();
    expect(negotiateSerializer("3.0.0-rc.1", table)).toBeNull();
    expect(negotiateSerializer(undefined, serializerTable([V2Serializer, V3]))).toBeNull();
  });

  it("a serializer whose vsn cannot be read fails when its socket is mounted", () => {
    const broken: Serializer = { ...V3, vsn: ">= 3" };
    const socket = defineSocket({ channels, serializers: [V2Serializer, broken] });
    expect(() => endpoint.socket("/broken", socket)).toThrow(/serializer vsn requirement/);
  });
});
