import type { Frame, InboundMessage, Ref, Serializer } from "../serializer/types.js";

/** What a channel under test sent, recorded as objects (Phoenix's test serializer does the same). */
export type Item =
  | { kind: "push"; topic: string; event: string; payload: unknown; joinRef: Ref; ref?: Ref }
  | { kind: "reply"; topic: string; ref: Ref; status: string; payload: unknown; joinRef: Ref }
  | { kind: "broadcast"; topic: string; event: string; payload: unknown }
  | { kind: "close" | "error"; topic: string; joinRef: Ref; payload: unknown };

function frame(item: Item): Frame {
  return { data: item, binary: false };
}

/** Encodes nothing: frames carry the item objects straight into the test mailbox. */
export const TestSerializer: Serializer = {
  name: "test",
  decode(): InboundMessage {
    throw new Error("the test serializer only encodes");
  },
  encodePush: (joinRef, topic, event, payload) => frame({ kind: "push", topic, event, payload, joinRef }),
  encodeMessage: (joinRef, _ref, topic, event, payload) => {
    if (event === "phx_close" || event === "phx_error") return frame({ kind: event === "phx_close" ? "close" : "error", topic, joinRef, payload });
    return frame({ kind: "push", topic, event, payload, joinRef });
  },
  encodeReply: (joinRef, ref, topic, status, response) => frame({ kind: "reply", topic, ref, status, payload: response, joinRef }),
  encodeBroadcast: (topic, event, payload, ref = null) => frame({ kind: "push", topic, event, payload, joinRef: null, ...(ref === null ? {} : { ref }) }),
};
