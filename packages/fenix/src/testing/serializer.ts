import { isReply } from "../protocol/message.js";
import type { Frame, InboundMessage, Outbound, Ref } from "../protocol/message.js";
import type { Serializer } from "../serializer/serializer.js";

/** What a channel under test sent, recorded as objects (Phoenix's test serializer does the same). */
export type Item =
  | { kind: "push"; topic: string; event: string; payload: unknown; joinRef: Ref; ref?: Ref }
  | { kind: "reply"; topic: string; ref: Ref; status: string; payload: unknown; joinRef: Ref }
  | { kind: "broadcast"; topic: string; event: string; payload: unknown }
  | { kind: "close" | "error"; topic: string; joinRef: Ref; payload: unknown };

function frame(item: Item): Frame {
  return { data: item, binary: false };
}

function encode(message: Outbound): Frame {
  const { joinRef, topic } = message;
  if (isReply(message)) return frame({ kind: "reply", topic, ref: message.ref, status: message.status, payload: message.response, joinRef });
  const { event, payload } = message;
  if (event === "phx_close" || event === "phx_error") return frame({ kind: event === "phx_close" ? "close" : "error", topic, joinRef, payload });
  return frame({ kind: "push", topic, event, payload, joinRef });
}

/** Encodes nothing: frames carry the item objects straight into the test mailbox. */
export const TestSerializer: Serializer = {
  name: "test",
  decode(): InboundMessage {
    throw new Error("the test serializer only encodes");
  },
  encode,
  fastlane: ({ topic, event, payload, id }) => frame({ kind: "push", topic, event, payload, joinRef: null, ...(id === undefined ? {} : { ref: id }) }),
};
