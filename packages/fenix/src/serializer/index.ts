export type { Serializer } from "./serializer.js";
export { V1Serializer } from "./v1.js";
export { V2Serializer } from "./v2.js";
export { DEFAULT_SERIALIZERS, negotiateSerializer, serializerTable, parseRequirement } from "./negotiate.js";
export type { SerializerTable } from "./negotiate.js";
export { SseSerializer } from "./sse.js";
