import { DecodeError } from "fenix/protocol";
import { describe, expect, it } from "vitest";
import { RealtimeSerializer } from "./serializer.js";
import { packUserBroadcast, unpackUserBroadcast } from "./user_broadcast.js";

function kind3(joinRef: string, ref: string, topic: string, event: string, encoding: number, payload: Uint8Array, meta = ""): Buffer {
  const parts = [joinRef, ref, topic, event, meta].map((s) => Buffer.from(s));
  return Buffer.concat([Buffer.from([3, ...parts.map((p) => p.length), encoding]), ...parts, payload]);
}

const v2 = () => RealtimeSerializer.forVsn("2.0.0") as RealtimeSerializer;

describe("RealtimeSerializer", () => {
  it("negotiates 1.0.x (also when vsn is absent) and 2.0.x only", () => {
    expect(RealtimeSerializer.forVsn(undefined)?.name).toBe("realtime-v1");
    expect(RealtimeSerializer.forVsn("1.0.0")?.name).toBe("realtime-v1");
    expect(RealtimeSerializer.forVsn("2.0.0")?.name).toBe("realtime-v2");
    expect(RealtimeSerializer.forVsn("2.1.0")).toBeNull();
    expect(RealtimeSerializer.forVsn(["2.0.0"])).toBeNull();
  });

  it("decodes a kind 3 user broadcast push into a packed broadcast, payload untouched", () => {
    const json = Buffer.from('{"x":1}');
    const m = v2().decode(kind3("1", "7", "realtime:room", "cursor", 1, json, '{"persist":true}'), true);
    expect({ ...m, payload: undefined }).toEqual({ joinRef: "1", ref: "7", topic: "realtime:room", event: "broadcast", payload: undefined });
    const user = unpackUserBroadcast(m.payload as Uint8Array);
    expect(user?.encoding).toBe(1);
    expect(user?.event).toBe("cursor");
    expect(Buffer.from(user?.bytes ?? []).toString()).toBe('{"x":1}');
  });

  it("refuses malformed kind 3 frames with a DecodeError", () => {
    const good = kind3("1", "2", "realtime:r", "e", 0, Buffer.from([1]));
    expect(() => v2().decode(good.subarray(0, 9), true)).toThrow(DecodeError);
    const badEncoding = Buffer.from(good);
    badEncoding[6] = 7;
    expect(() => v2().decode(badEncoding, true)).toThrow(/encoding must be 0 \(binary\) or 1 \(JSON\)/);
  });

  it("fastlanes a packed broadcast as kind 4 for V2 and as JSON for V1, once per protocol", () => {
    const broadcast = { topic: "realtime:room", event: "broadcast", payload: packUserBroadcast(0, "bin", new Uint8Array([5, 6])) };
    const frame = v2().fastlane(broadcast);
    expect(frame.binary).toBe(true);
    expect([...(frame.data as Buffer)]).toEqual([4, 13, 3, 0, 0, ...Buffer.from("realtime:room"), ...Buffer.from("bin"), 5, 6]);
    expect(v2().fastlane(broadcast)).toBe(frame);
    const v1 = RealtimeSerializer.forVsn("1.0.0") as RealtimeSerializer;
    expect(JSON.parse(v1.fastlane(broadcast).data as string)).toEqual({
      topic: "realtime:room",
      event: "broadcast",
      payload: { type: "broadcast", event: "bin", payload: "BQY=" },
      ref: null,
    });
  });

  it("maps a private join's topic inside the node and back on the way out", () => {
    const s = v2();
    const join = s.decode(JSON.stringify(["1", "1", "realtime:room", "phx_join", { config: { private: true } }]), false);
    expect(join.topic).toBe("realtime-private:room");
    expect(s.decode(JSON.stringify(["1", "2", "realtime:room", "presence", {}]), false).topic).toBe("realtime-private:room");
    expect(s.decode(JSON.stringify(["3", "3", "realtime:other", "phx_join", {}]), false).topic).toBe("realtime:other");
    const reply = s.encode({ joinRef: "1", ref: "2", topic: "realtime-private:room", status: "ok", response: {} });
    expect(JSON.parse(reply.data as string)[2]).toBe("realtime:room");
    const diff = s.fastlane({ topic: "realtime-private:room", event: "presence_diff", payload: { joins: {}, leaves: {} } });
    expect(JSON.parse(diff.data as string)).toEqual([null, null, "realtime:room", "presence_diff", { joins: {}, leaves: {} }]);
    // Another connection that joined publicly keeps the public topic.
    expect(v2().decode(JSON.stringify(["1", "2", "realtime:room", "broadcast", {}]), false).topic).toBe("realtime:room");
  });

  it("refuses client topics in the reserved private namespace", () => {
    expect(() => v2().decode(JSON.stringify(["1", "1", "realtime-private:room", "phx_join", {}]), false)).toThrow(/reserved/);
  });
});
