import type { Broadcast } from "../protocol/message.js";

/** A broadcast as it travels between nodes. Payloads must be JSON-serializable. */
export type BroadcastMessage = Broadcast;

/**
 * The seam a cluster adapter (e.g. Redis) plugs into. The PubSub always delivers to local
 * subscribers itself; the adapter only carries messages to and from other nodes, and must
 * never hand a node its own message back.
 */
export interface PubSubAdapter {
  /** Called once by the PubSub with the function that delivers a remote message locally. */
  start(nodeName: string, deliver: (message: BroadcastMessage) => void): Promise<void> | void;
  /** Sends a message to every other node. */
  publish(message: BroadcastMessage): Promise<void>;
  /** Sends a message to one named node. */
  directPublish(nodeName: string, message: BroadcastMessage): Promise<void>;
  stop(): Promise<void> | void;
}
