export type { BroadcastMessage, PubSubAdapter } from "./adapter.js";
export { FastlaneCache, PubSub } from "./pubsub.js";
export type { Subscriber } from "./pubsub.js";
