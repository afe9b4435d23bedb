// The presence generator decodes a byte-identical frame once per process and applies it to every
// client that receives it; a frame that differs in any byte is decoded on its own.
import { describe, expect, it } from "vitest";
import { PresenceClient } from "../src/gen/presence.js";

const frame = (event: string, joins: number[]) => {
  const body = Object.fromEntries(joins.map((n) => [`u${n}`, { metas: [{ phx_ref: `ref-${n}-padding-to-make-the-frame-long-enough` }] }]));
  return Buffer.from(JSON.stringify(["1", null, "bench:presence", event, event === "presence_state" ? body : { joins: body, leaves: {} }]));
};

function client(user: number, total: number, converged: () => void) {
  const c = new PresenceClient({ port: 1, localAddress: "127.0.0.1", timeoutMs: 1000, onBroadcast: () => {} }, user, total, converged);
  return { c, feed: (f: Buffer) => (c as unknown as { onFrame(f: Buffer): void }).onFrame(f) };
}

describe("PresenceClient", () => {
  it("applies a shared frame to each client that receives it, and a different frame on its own", () => {
    const done: number[] = [];
    const a = client(0, 4, () => done.push(0));
    const b = client(1, 4, () => done.push(1));
    const state = frame("presence_state", [0, 1]);
    a.feed(state);
    b.feed(Buffer.from(state)); // a copy: same bytes, another buffer
    expect([a.c.frames, b.c.frames]).toEqual([1, 1]);
    // Same length, one byte different: u2 vs u3 joins — decoded anew, not taken from the cache.
    a.feed(frame("presence_diff", [2]));
    b.feed(frame("presence_diff", [3]));
    expect(done).toEqual([]);
    a.feed(frame("presence_diff", [3]));
    b.feed(frame("presence_diff", [2]));
    expect(done.sort()).toEqual([0, 1]);
    expect(a.c.bytes).toBe(state.length + 2 * frame("presence_diff", [2]).length);
  });
});
