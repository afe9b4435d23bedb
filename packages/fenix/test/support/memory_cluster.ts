// An in-memory PubSub "network" joining Endpoints of one process into a cluster: each node's
// adapter delivers to the other nodes only (never back to itself, as the PubSubAdapter contract
// requires), honours directPublish by node name, and copies every message through JSON, as a real
// adapter would. A node can be cut off to test what happens when it stops answering.
import type { BroadcastMessage, PubSubAdapter } from "fenix";

export class MemoryCluster {
  private readonly nodes = new Map<string, (message: BroadcastMessage) => void>();
  private readonly unreachable = new Set<string>();
  /** Every message that crossed the network, as [from, to, topic, event]. */
  readonly traffic: [string, string, string, string][] = [];

  adapter(): PubSubAdapter {
    let self: string | undefined;
    return {
      start: (nodeName, deliver) => {
        self = nodeName;
        this.nodes.set(nodeName, deliver);
      },
      publish: async (message) => {
        for (const node of this.nodes.keys()) if (node !== self) this.send(self as string, node, message);
      },
      directPublish: async (node, message) => {
        if (node !== self) this.send(self as string, node, message);
      },
      stop: () => {
        if (self !== undefined) this.nodes.delete(self);
      },
    };
  }

  /** Messages to and from `node` are lost until `reconnect`. */
  cutOff(node: string): void {
    this.unreachable.add(node);
  }

  reconnect(node: string): void {
    this.unreachable.delete(node);
  }

  private send(from: string, to: string, message: BroadcastMessage): void {
    if (this.unreachable.has(from) || this.unreachable.has(to)) return;
    const copy = JSON.parse(JSON.stringify(message)) as BroadcastMessage;
    this.traffic.push([from, to, message.topic, message.event]);
    // Delivered later, in order, like a network.
    setImmediate(() => {
      if (!this.unreachable.has(to)) this.nodes.get(to)?.(copy);
    });
  }
}
