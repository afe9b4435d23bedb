import { DecodeError, V1Serializer, V2Serializer } from "fenix/protocol";
import type { Broadcast, Frame, InboundMessage, Outbound, Serializer, SharedFrame } from "fenix/protocol";
import { PRIVATE_PREFIX, internalTopic, wireTopic } from "./topics.js";
import { packUserBroadcast, unpackUserBroadcast, userPayloadValue } from "./user_broadcast.js";

/** realtime-js's binary frame kinds (its `lib/serializer.ts`; Supabase's `v2_serializer.ex`). */
const USER_BROADCAST_PUSH = 3;
const USER_BROADCAST = 4;

const utf8 = new TextDecoder("utf-8", { fatal: true });

// A broadcast reaches every subscriber as the same object: its frame is built once per protocol
// version and shared, so the WebSocket transport frames the bytes once as well.
const framesV1 = new WeakMap<Broadcast, SharedFrame>();
const framesV2 = new WeakMap<Broadcast, SharedFrame>();

function isPrivateJoin(payload: unknown): boolean {
  const config = (payload as { config?: { private?: unknown } } | null)?.config;
  return config?.private === true || config?.private === "true";
}

/** Kind 3: `kind, joinRefLen, refLen, topicLen, eventLen, metaLen, encoding` + those + the user payload. */
function decodeUserBroadcastPush(buf: Buffer): InboundMessage {
  if (buf.length < 7) throw new DecodeError("user broadcast frame too short for its header");
  const sizes = [buf[1], buf[2], buf[3], buf[4], buf[5]];
  const encoding = buf[6];
  if (encoding > 1) throw new DecodeError(`user broadcast payload encoding must be 0 (binary) or 1 (JSON), got ${encoding}`);
  let offset = 7;
  const parts: string[] = [];
  for (const size of sizes) {
    if (offset + size > buf.length) throw new DecodeError("user broadcast frame is shorter than its header says");
    try {
      parts.push(utf8.decode(buf.subarray(offset, offset + size)));
    } catch {
      throw new DecodeError("user broadcast header field is not valid UTF-8");
    }
    offset += size;
  }
  const [joinRef, ref, topic, event] = parts;
  return {
    joinRef: joinRef === "" ? null : joinRef,
    ref: ref === "" ? null : ref,
    topic,
    event: "broadcast",
    payload: packUserBroadcast(encoding, event, buf.subarray(offset)),
  };
}

/** Kind 4: `4, topicLen, eventLen, metaLen, encoding` + topic, event, (no metadata), payload. */
function userBroadcastFrame(topic: string, event: string, encoding: number, bytes: Uint8Array): SharedFrame {
  const t = Buffer.from(topic, "utf8");
  const e = Buffer.from(event, "utf8");
  if (t.length > 255) throw new RangeError(`topic is ${t.length} bytes; the binary frame allows 255`);
  const header = Buffer.from([USER_BROADCAST, t.length, e.length, 0, encoding]);
  return { data: Buffer.concat([header, t, e, bytes]), binary: true };
}

/**
 * The serializer of one realtime-js connection: Phoenix V1 or V2 plus realtime-js's user
 * broadcast frames (decode kind 3, deliver kind 4), and the private-topic mapping. It has state
 * — which topics this client joined privately — so each connection gets its own instance
 * (`forVsn`); broadcast frames stay shared across all of them.
 *
 * @example
 * const serializer = RealtimeSerializer.forVsn(params.vsn); // null: answer 403
 */
export class RealtimeSerializer implements Serializer {
  readonly name: string;
  private readonly privateTopics = new Set<string>();

  private constructor(private readonly version: 1 | 2) {
    this.name = version === 2 ? "realtime-v2" : "realtime-v1";
  }

  /** A new serializer for a client asking for `vsn` (absent: 1.0.0), or null for one not served. */
  static forVsn(vsn: unknown): RealtimeSerializer | null {
    const requested = vsn === undefined ? "1.0.0" : vsn;
    if (typeof requested !== "string") return null;
    if (/^1\.0\.\d+$/.test(requested)) return new RealtimeSerializer(1);
    if (/^2\.0\.\d+$/.test(requested)) return new RealtimeSerializer(2);
    return null;
  }

  decode(data: string | Buffer, binary: boolean): InboundMessage {
    const buf = typeof data === "string" ? null : data;
    const message =
      binary && this.version === 2 && buf !== null && buf[0] === USER_BROADCAST_PUSH
        ? decodeUserBroadcastPush(buf)
        : (this.version === 2 ? V2Serializer : V1Serializer).decode(data, binary);
    if (message.topic.startsWith(PRIVATE_PREFIX)) throw new DecodeError(`topics starting with ${PRIVATE_PREFIX} are reserved`);
    if (message.event === "phx_join") {
      if (isPrivateJoin(message.payload)) this.privateTopics.add(message.topic);
      else this.privateTopics.delete(message.topic);
    }
    if (this.privateTopics.size > 0 && this.privateTopics.has(message.topic)) message.topic = internalTopic(message.topic, true);
    return message;
  }

  encode(message: Outbound): Frame {
    const base = this.version === 2 ? V2Serializer : V1Serializer;
    const topic = wireTopic(message.topic);
    return base.encode(topic === message.topic ? message : { ...message, topic });
  }

  fastlane(broadcast: Broadcast): SharedFrame {
    const cache = this.version === 2 ? framesV2 : framesV1;
    let frame = cache.get(broadcast);
    if (frame === undefined) {
      frame = this.frame(broadcast);
      cache.set(broadcast, frame);
    }
    return frame;
  }

  private frame(broadcast: Broadcast): SharedFrame {
    const topic = wireTopic(broadcast.topic);
    const user = broadcast.event === "broadcast" && broadcast.payload instanceof Uint8Array ? unpackUserBroadcast(broadcast.payload) : null;
    if (this.version === 2) {
      if (user !== null) return userBroadcastFrame(topic, user.event, user.encoding, user.bytes);
      return V2Serializer.fastlane(topic === broadcast.topic ? broadcast : { ...broadcast, topic });
    }
    if (user !== null) {
      // V1 has no binary frames: a JSON payload travels as JSON, a binary one as base64 text.
      const payload = { type: "broadcast", event: user.event, payload: userPayloadValue(user) };
      return V1Serializer.fastlane({ topic, event: "broadcast", payload });
    }
    return V1Serializer.fastlane(topic === broadcast.topic ? broadcast : { ...broadcast, topic });
  }
}
