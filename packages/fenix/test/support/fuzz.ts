import { isUtf8 } from "node:buffer";

// Seeded generators for the protocol fuzz test: every frame comes from a PRNG seeded per
// connection, so a failing run reproduces from the seed it prints (FUZZ_SEED=<n>).

/** mulberry32: small, fast, and good enough to pick frames. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** 0 ≤ n < max */
  int(max: number): number {
    return Math.floor(this.next() * max);
  }
  bool(p = 0.5): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  bytes(n: number): Buffer {
    const buf = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) buf[i] = this.int(256);
    return buf;
  }
  /** Picks a key of `weights` with probability proportional to its weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const entries = Object.entries(weights) as [K, number][];
    let roll = this.next() * entries.reduce((sum, [, w]) => sum + w, 0);
    for (const [key, w] of entries) if ((roll -= w) < 0) return key;
    return entries[entries.length - 1][0];
  }
}

/** Random (valid) unicode text, including astral characters and lone surrogates. */
export function randomText(r: Rng, length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) {
    const kind = r.int(4);
    if (kind === 0) out += String.fromCharCode(32 + r.int(95));
    else if (kind === 1) out += String.fromCharCode(r.int(0x10000));
    else if (kind === 2) out += String.fromCodePoint(0x10000 + r.int(0x10ffff - 0x10000));
    else out += r.pick(['"', "\\", "\u0000", "\n", "[", "{", "}", "]", ":", ","]);
  }
  return out;
}

/** Deeply nested JSON text: arrays, objects, or both. */
export function deepNesting(r: Rng, depth: number): string {
  const kind = r.int(3);
  if (kind === 0) return "[".repeat(depth) + "]".repeat(depth);
  if (kind === 1) return '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
  return '[{"a":'.repeat(depth) + "1" + "}]".repeat(depth);
}

/** A JSON-compatible value of random shape. */
export function randomJson(r: Rng, depth = 3): unknown {
  const kind = r.int(depth <= 0 ? 5 : 7);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return r.bool();
    case 2:
      return r.pick([0, -1, 1.5, 2 ** 53, -(2 ** 63), 1e308, r.int(1e6)]);
    case 3:
      return randomText(r, r.int(20));
    case 4:
      return "";
    case 5:
      return Array.from({ length: r.int(5) }, () => randomJson(r, depth - 1));
    default: {
      const obj: Record<string, unknown> = {};
      for (let i = r.int(5); i > 0; i--) {
        // Own keys, even "__proto__", exactly as JSON.parse would make them.
        const key = r.pick(["__proto__", "constructor", "recover", "body", "n", randomText(r, 5)]);
        Object.defineProperty(obj, key, { value: randomJson(r, depth - 1), enumerable: true, configurable: true, writable: true });
      }
      return obj;
    }
  }
}

/** A field value of the wrong type (or the right type, absurdly shaped), as raw JSON text. */
export function weirdJson(r: Rng): string {
  switch (r.int(10)) {
    case 0:
      // Raw number text, beyond double precision and range too (1e400 parses as Infinity).
      return r.pick(["0", "-1", "3.14", "1e308", "-0", "12345678901234567890", "1e400", "-1e-400"]);
    case 1:
      return JSON.stringify(randomJson(r, 2) ?? null);
    case 2:
      return "[]";
    case 3:
      return "{}";
    case 4:
      return "null";
    case 5:
      return r.pick(["true", "false"]);
    case 6:
      return JSON.stringify("x".repeat(1000 + r.int(200_000)));
    case 7:
      return deepNesting(r, 10 + r.int(5000));
    case 8:
      return JSON.stringify(randomText(r, 1 + r.int(300)));
    default:
      return r.pick(['"phoenix"', '"heartbeat"', '"phx_join"', '"phx_leave"', '"phx_reply"', '""', '"room:*"']);
  }
}

export interface Frame {
  data: string | Buffer;
  binary: boolean;
  kind: string;
  /** A text frame that is not valid UTF-8: the WebSocket layer itself must close with 1007. */
  invalidUtf8?: boolean;
}

export interface FrameContext {
  /** V1 JSON objects instead of V2 arrays. */
  v1: boolean;
  /** Topics this connection may have joined (the generator tracks nothing; it just aims). */
  topics: readonly string[];
  /** Frame size that the mount refuses at the WebSocket layer (1009). */
  oversize: number;
  nextRef(): string;
}

const EVENTS = ["ping", "new_msg", "boom", "echo", "tick", "bin", "stop", "no_such_event", "phx_reply", "phx_close", "phx_error"];

function text(kind: string, data: string): Frame {
  return { data, binary: false, kind };
}

/** One well-formed client frame in the connection's wire version. */
export function validFrame(ctx: FrameContext, joinRef: unknown, ref: unknown, topic: unknown, event: unknown, payload: unknown): string {
  if (ctx.v1) return JSON.stringify({ topic, event, payload, ref, join_ref: joinRef });
  return JSON.stringify([joinRef, ref, topic, event, payload]);
}

/** Same, but with one field replaced by raw (possibly wrong-typed) JSON text. */
function mutatedFrame(r: Rng, ctx: FrameContext): string {
  const fields = ['"1"', JSON.stringify(ctx.nextRef()), JSON.stringify(r.pick(ctx.topics)), JSON.stringify(r.pick(EVENTS)), "{}"];
  const keys = ["join_ref", "ref", "topic", "event", "payload"];
  const at = r.int(5);
  fields[at] = weirdJson(r);
  if (ctx.v1) return `{${keys.map((k, i) => `"${k}":${fields[i]}`).join(",")}}`;
  return `[${fields.join(",")}]`;
}

/** A V2 binary push (kind byte, four length bytes, fields, payload), optionally broken. */
function binaryPush(r: Rng, ctx: FrameContext, broken: boolean): Buffer {
  const fields = ["1", ctx.nextRef(), r.pick(ctx.topics), r.pick(["bin", "echo", "ping", "nope"])].map((f) => Buffer.from(f));
  const header = Buffer.from([0, ...fields.map((f) => f.length)]);
  let frame = Buffer.concat([header, ...fields, r.bytes(r.int(64))]);
  if (!broken) return frame;
  switch (r.int(5)) {
    case 0:
      frame[0] = r.pick([1, 2, 3, 255]); // a kind only the server may send, or none at all
      break;
    case 1:
      frame[1 + r.int(4)] = 200 + r.int(56); // a length pointing past the end
      break;
    case 2:
      frame = frame.subarray(0, r.int(5)); // shorter than its header
      break;
    case 3:
      frame[5 + r.int(Math.max(1, frame.length - 5))] = 0xff; // invalid UTF-8 somewhere in the fields or payload
      break;
    default:
      frame = Buffer.concat([Buffer.from([0, 255, 255, 255, 255]), r.bytes(r.int(100))]);
  }
  return frame;
}

/** Every generator; most of these frames end the connection (1011, 1009 or 1007). */
export const WEIGHTS = {
  join: 10,
  push: 16,
  heartbeat: 8,
  leave: 5,
  mutated: 16,
  truncated: 5,
  garbled: 5,
  unicode: 3,
  randomBinary: 3,
  binaryPush: 4,
  badBinary: 6,
  bytesAsText: 2,
  missingKeys: 4,
  wrongShape: 3,
  oversized: 1,
  hugePayload: 2,
  deepPayload: 3,
  unknownTopic: 4,
} as const;

export type Kind = keyof typeof WEIGHTS;

/** Frames a live connection survives (on the V2 wire), so a connection gets deep into channel state. */
export const SURVIVABLE: Readonly<Partial<Record<Kind, number>>> = {
  join: 10,
  push: 20,
  heartbeat: 6,
  leave: 4,
  binaryPush: 3,
  hugePayload: 1,
  deepPayload: 2,
  unknownTopic: 3,
};

/** One random frame; `kind` names the generator that made it (for the failure report). */
export function randomFrame(r: Rng, ctx: FrameContext, weights: Readonly<Partial<Record<Kind, number>>> = WEIGHTS): Frame {
  const kind = r.weighted(weights as Record<Kind, number>);
  const topic = r.pick(ctx.topics);
  switch (kind) {
    case "join":
      return text(kind, validFrame(ctx, ctx.nextRef(), ctx.nextRef(), topic, "phx_join", r.bool(0.7) ? {} : randomJson(r)));
    case "push":
      return text(kind, validFrame(ctx, r.bool(0.8) ? null : ctx.nextRef(), ctx.nextRef(), topic, r.pick(EVENTS), randomJson(r)));
    case "heartbeat":
      return text(kind, validFrame(ctx, null, ctx.nextRef(), "phoenix", "heartbeat", {}));
    case "leave":
      return text(kind, validFrame(ctx, null, ctx.nextRef(), topic, "phx_leave", {}));
    case "mutated":
      return text(kind, mutatedFrame(r, ctx));
    case "truncated": {
      const whole = validFrame(ctx, "1", ctx.nextRef(), topic, r.pick(EVENTS), randomJson(r));
      return text(kind, whole.slice(0, r.int(whole.length)));
    }
    case "garbled": {
      const chars = [...validFrame(ctx, "1", ctx.nextRef(), topic, r.pick(EVENTS), randomJson(r))];
      for (let i = 1 + r.int(4); i > 0; i--) chars[r.int(chars.length)] = randomText(r, 1);
      return text(kind, chars.join(""));
    }
    case "unicode":
      return text(kind, randomText(r, r.int(300)));
    case "randomBinary":
      return { data: r.bytes(r.int(300)), binary: true, kind };
    case "binaryPush":
      return { data: binaryPush(r, ctx, false), binary: true, kind };
    case "badBinary":
      return { data: binaryPush(r, ctx, true), binary: true, kind };
    case "bytesAsText": {
      // Random bytes in a text frame: almost never valid UTF-8, which the WebSocket layer refuses (1007).
      const bytes = r.bool()
        ? r.bytes(1 + r.int(300))
        : Buffer.concat([Buffer.from('["1","1","room:a","ping",'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from("]")]);
      return { data: bytes, binary: false, kind, invalidUtf8: !isUtf8(bytes) };
    }
    case "missingKeys": {
      const all: Record<string, unknown> = { topic, event: "ping", payload: {}, ref: ctx.nextRef(), join_ref: "1" };
      delete all[r.pick(["topic", "event", "payload", "ref"])];
      return text(kind, JSON.stringify(ctx.v1 ? all : Object.values(all)));
    }
    case "wrongShape":
      return text(
        kind,
        r.pick(["[]", "{}", "null", "1", '"str"', "[1,2,3]", '["1","1","room:a"]', JSON.stringify({ topic, event: "ping", payload: {}, ref: "1" })]),
      );
    case "oversized":
      return text(kind, validFrame(ctx, "1", ctx.nextRef(), topic, "echo", { body: "x".repeat(ctx.oversize + r.int(1000)) }));
    case "hugePayload":
      return text(
        kind,
        validFrame(ctx, null, ctx.nextRef(), topic, r.pick(["echo", "ping", "new_msg"]), { body: "y".repeat(r.int(Math.min(ctx.oversize - 200, 200_000))) }),
      );
    case "deepPayload": {
      const frame = validFrame(ctx, null, ctx.nextRef(), topic, r.pick(["echo", "new_msg", "ping", "phx_join"]), "__DEEP__");
      return text(kind, frame.replace('"__DEEP__"', deepNesting(r, 100 + r.int(20_000))));
    }
    default:
      return text(kind, validFrame(ctx, "1", ctx.nextRef(), r.bool() ? randomText(r, r.int(50)) : "x".repeat(r.int(100_000)), "phx_join", {}));
  }
}
