export * from "./types.js";
export { V1Serializer } from "./v1.js";
export { V2Serializer } from "./v2.js";
export { negotiateSerializer } from "./negotiate.js";
export { SseSerializer } from "./sse.js";
