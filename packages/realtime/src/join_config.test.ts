import { describe, expect, it } from "vitest";
import { postgresChangesRefusal, readJoinConfig } from "./join_config.js";
import { checkBroadcast } from "./channels/broadcast_message.js";
import { countInWindow, takeToken } from "./limits.js";
import { packUserBroadcast } from "./user_broadcast.js";

describe("readJoinConfig", () => {
  it("reads realtime-js's join payload", () => {
    const config = readJoinConfig({
      config: { broadcast: { self: true, ack: false }, presence: { key: "u1", enabled: true }, postgres_changes: [], private: true },
      access_token: "jwt",
    });
    expect(config).toEqual({ self: true, ack: false, presenceKey: "u1", presenceEnabled: true, private: true, postgresChanges: [], accessToken: "jwt" });
  });

  it("defaults everything, and ignores sb_ keys as access tokens", () => {
    expect(readJoinConfig({ access_token: "sb_publishable_x" })).toEqual({
      self: false,
      ack: false,
      presenceKey: "",
      presenceEnabled: false,
      private: false,
      postgresChanges: [],
      accessToken: undefined,
    });
    expect(readJoinConfig(null).private).toBe(false);
  });

  it("names the refused postgres_changes bindings", () => {
    expect(
      postgresChangesRefusal([
        { event: "*", schema: "public" },
        { event: "UPDATE", schema: "s", table: "t", filter: "id=eq.1" },
      ]),
    ).toBe(
      "PostgresChangesNotSupported: this server serves Broadcast and Presence only; unsupported bindings: postgres_changes(event=*, schema=public); postgres_changes(event=UPDATE, schema=s, table=t, filter=id=eq.1)",
    );
  });
});

describe("checkBroadcast", () => {
  it("accepts JSON and packed broadcasts within the size limit", () => {
    expect(checkBroadcast({ type: "broadcast", event: "e", payload: { a: 1 }, extra: 1 }, 100)).toEqual({
      ok: true,
      payload: { type: "broadcast", event: "e", payload: { a: 1 } },
    });
    const packed = packUserBroadcast(1, "e", Buffer.from("[1]"));
    expect(checkBroadcast(packed, 100)).toEqual({ ok: true, payload: packed });
  });

  it("refuses what it cannot deliver", () => {
    expect(checkBroadcast({ payload: {} }, 100)).toMatchObject({ ok: false });
    expect(checkBroadcast(packUserBroadcast(1, "e", Buffer.from("{nope")), 100)).toEqual({ ok: false, message: "Broadcast payload is not valid JSON" });
    expect(checkBroadcast(packUserBroadcast(0, "e", new Uint8Array(101)), 100)).toEqual({
      ok: false,
      message: "Payload size exceeded: 101 bytes, the limit is 100",
    });
  });
});

describe("rates", () => {
  it("a token bucket refills at its rate up to its burst", () => {
    const bucket = { tokens: 2, at: 0 };
    expect([takeToken(bucket, 1, 2, 0), takeToken(bucket, 1, 2, 0), takeToken(bucket, 1, 2, 0)]).toEqual([true, true, false]);
    expect(takeToken(bucket, 1, 2, 1000)).toBe(true);
    expect(takeToken(bucket, 1, 2, 1000)).toBe(false);
  });

  it("a window allows max events, then resets", () => {
    const w = { count: 0, resetAt: 0 };
    expect([countInWindow(w, 2, 1000, 0), countInWindow(w, 2, 1000, 10), countInWindow(w, 2, 1000, 20)]).toEqual([true, true, false]);
    expect(countInWindow(w, 2, 1000, 1000)).toBe(true);
  });
});
