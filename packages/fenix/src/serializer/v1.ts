import { DecodeError, EncodeError, checkRef, checkString, isBinary } from "./types.js";
import type { Frame, InboundMessage, Ref, Serializer } from "./types.js";

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

  encodePush(_joinRef: Ref, topic: string, event: string, payload: unknown): Frame {
    refusesBinary(payload);
    return text(`{"event":${JSON.stringify(event)},"payload":${JSON.stringify(payload ?? {})},"ref":null,"topic":${JSON.stringify(topic)}}`);
  },

  encodeMessage(_joinRef: Ref, ref: Ref, topic: string, event: string, payload: unknown): Frame {
    refusesBinary(payload);
    return text(
      `{"event":${JSON.stringify(event)},"payload":${JSON.stringify(payload ?? {})},"ref":${JSON.stringify(ref ?? null)},"topic":${JSON.stringify(topic)}}`,
    );
  },

  encodeReply(_joinRef: Ref, ref: Ref, topic: string, status: string, response: unknown): Frame {
    refusesBinary(response);
    return text(
      `{"event":"phx_reply","payload":{"response":${JSON.stringify(response ?? {})},"status":${JSON.stringify(status)}},"ref":${JSON.stringify(ref ?? null)},"topic":${JSON.stringify(topic)}}`,
    );
  },

  encodeBroadcast(topic: string, event: string, payload: unknown, ref: Ref = null): Frame {
    return V1Serializer.encodeMessage(null, ref, topic, event, payload);
  },
};
