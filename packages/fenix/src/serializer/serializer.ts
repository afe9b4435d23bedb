import type { Broadcast, Frame, InboundMessage, Outbound, SharedFrame } from "../protocol/message.js";

/**
 * Turns protocol values into frames and back, like `Phoenix.Socket.Serializer`. A socket lists
 * the serializers it offers; the client's `vsn` picks one by each serializer's `vsn` range.
 *
 * @example
 * const JsonV3: Serializer = {
 *   name: "v3", vsn: "~> 3.0.0",
 *   decode: (data) => JSON.parse(String(data)),
 *   encode: (m) => ({ data: JSON.stringify(m), binary: false }),
 *   fastlane: (b) => ({ data: JSON.stringify(b), binary: false }),
 * };
 * const UserSocket = defineSocket({ channels, serializers: [V1Serializer, V2Serializer, JsonV3] });
 */
export interface Serializer {
  readonly name: string;
  /**
   * The `vsn` requirement it serves, as Phoenix writes it (`"~> 2.0.0"`: 2.0.x). A serializer
   * without one is never negotiated: a transport with its own framing (SSE) supplies it.
   */
  readonly vsn?: string;
  /** A client frame; throws `DecodeError` for a malformed one (the connection closes with 1011). */
  decode(data: string | Buffer, binary: boolean): InboundMessage;
  /** A message or a reply for one client. */
  encode(message: Outbound): Frame;
  /** A broadcast, encoded once and written to every subscriber that negotiated this serializer. */
  fastlane(broadcast: Broadcast): SharedFrame;
}
