// The positional encoder shapes the serializer tests were written in, over encode/fastlane.
import type { Ref } from "../../src/protocol/message.js";
import type { Serializer } from "../../src/serializer/serializer.js";

export const encodePush = (s: Serializer, joinRef: Ref, topic: string, event: string, payload: unknown) =>
  s.encode({ joinRef, ref: null, topic, event, payload });
export const encodeMessage = (s: Serializer, joinRef: Ref, ref: Ref, topic: string, event: string, payload: unknown) =>
  s.encode({ joinRef, ref, topic, event, payload });
export const encodeReply = (s: Serializer, joinRef: Ref, ref: Ref, topic: string, status: string, response: unknown) =>
  s.encode({ joinRef, ref, topic, status, response });
export const encodeBroadcast = (s: Serializer, topic: string, event: string, payload: unknown, id: Ref = null) =>
  s.fastlane({ topic, event, payload, ...(id === null ? {} : { id }) });
