// "fenix/protocol": the Phoenix wire protocol's values and the serializers that encode them —
// for writing a serializer or a transport, or for testing at the frame level.
export type { Broadcast, BinaryPayload, Frame, InboundMessage, Message, Outbound, Ref, ReplyMessage, SharedFrame } from "./protocol/message.js";
export { DecodeError, EncodeError, checkRef, checkString, isBinary, isReply, toBytes } from "./protocol/message.js";
export { CloseCode } from "./protocol/close.js";
export type { Serializer, SerializerTable } from "./serializer/index.js";
export { V1Serializer, V2Serializer, SseSerializer, DEFAULT_SERIALIZERS, negotiateSerializer, parseRequirement, serializerTable } from "./serializer/index.js";
export { formatId, parsePosition } from "./pubsub/history.js";
export { Atom, Tuple, decodeTerm, encodeTerm, EtfError } from "./token/index.js";
export type { TermInput, TermValue } from "./token/index.js";
