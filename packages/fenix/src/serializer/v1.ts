import { DecodeError, EncodeError, checkRef, checkString, isBinary, isReply } from "../protocol/message.js";
import type { Broadcast, Frame, InboundMessage, Outbound, Ref, SharedFrame } from "../protocol/message.js";
import type { Serializer } from "./serializer.js";

function text(data: string): Frame {
  return { data, binary: false };
}

function refusesBinary(payload: unknown): void {
  if (isBinary(payload)) throw new EncodeError("the V1 JSON serializer cannot send binary payloads");
}

/**
 * Phoenix's V1 serializer (`vsn` absent or 1.x): one JSON object per frame. Server frames
 * never carry `join_ref`, and keys are written in Phoenix's sorted order.
 */
export const V1Serializer: Serializer = {
  name: "v1",
  vsn: "~> 1.0.0",

  decode(data: string | Buffer, binary: boolean): InboundMessage {
    if (binary) throw new DecodeError("the V1 JSON serializer does not accept binary frames");
    let raw: unknown;
    try {
      raw = JSON.parse(typeof data === "string" ? data : data.toString("utf8"));
    } catch (err) {
      throw new DecodeError(`invalid JSON: ${(err as Error).message}`);
    }
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
      throw new DecodeError(`V1 JSON Serializer expected a map, got ${JSON.stringify(raw)?.slice(0, 80)}`);
    }
    const map = raw as Record<string, unknown>;
    for (const key of ["topic", "event", "payload", "ref"]) {
      if (!(key in map)) throw new DecodeError(`V1 message is missing the "${key}" key`);
    }
    return {
      joinRef: checkRef(map.join_ref, "join_ref"),
      ref: checkRef(map.ref, "ref"),
      topic: checkString(map.topic, "topic"),
      event: checkString(map.event, "event"),
      payload: map.payload,
    };
  },

  encode(message: Outbound): Frame {
    if (isReply(message)) {
      refusesBinary(message.response);
      return text(
        `{"event":"phx_reply","payload":{"response":${JSON.stringify(message.response ?? {})},"status":${JSON.stringify(message.status)}},"ref":${JSON.stringify(message.ref ?? null)},"topic":${JSON.stringify(message.topic)}}`,
      );
    }
    return messageFrame(message.ref, message.topic, message.event, message.payload);
  },

  fastlane(broadcast: Broadcast): SharedFrame {
    return messageFrame(broadcast.id ?? null, broadcast.topic, broadcast.event, broadcast.payload);
  },
};

function messageFrame(ref: Ref, topic: string, event: string, payload: unknown): Frame {
  refusesBinary(payload);
  return text(
    `{"event":${JSON.stringify(event)},"payload":${JSON.stringify(payload ?? {})},"ref":${JSON.stringify(ref ?? null)},"topic":${JSON.stringify(topic)}}`,
  );
}
