import type { Endpoint } from "../endpoint/endpoint.js";
import type { Observer } from "../metrics/observer.js";

/** One second of the dashboard: what every open `/ops` page receives as `stats`. */
export interface DashboardStats {
  at: number;
  node: string;
  nodes: { name: string; status: string }[];
  connections: number;
  byTransport: Record<string, number>;
  channels: Record<string, number>;
  /** Tracked presences (every node's) by topic pattern; null when Presence is off. */
  presences: Record<string, number> | null;
  messagesInPerSecond: number;
  messagesOutPerSecond: number;
  heapUsed: number;
  rss: number;
  eventLoopDelayP99Ms: number;
  busiest: { pattern: string; channel: string; handled: number; queue: number }[];
}

/** Builds the dashboard's numbers from the observer and the endpoint (cheap: run once a second). */
export function dashboardStats(endpoint: Endpoint, observer: Observer): DashboardStats {
  const node = observer.nodeStats();
  let connections = 0;
  const byTransport: Record<string, number> = {};
  const channels: Record<string, number> = {};
  const busiest: DashboardStats["busiest"] = [];
  for (const c of endpoint.connections) {
    connections++;
    const info = c.inspect();
    byTransport[info.transport] = (byTransport[info.transport] ?? 0) + 1;
    for (const ch of info.channels) {
      channels[ch.pattern] = (channels[ch.pattern] ?? 0) + 1;
      busiest.push({ pattern: ch.pattern, channel: ch.channel, handled: ch.handled, queue: ch.queue });
    }
  }
  busiest.sort((a, b) => b.handled - a.handled || b.queue - a.queue);
  let nodes: DashboardStats["nodes"] = [{ name: endpoint.nodeName, status: "up" }];
  let presences: Record<string, number> | null = null;
  try {
    const presence = endpoint.presence;
    nodes = nodes.concat(presence.tracker.peers().map((p) => ({ name: p.name, status: p.status })));
    presences = {};
    for (const [topic, n] of presence.topicSizes()) {
      const pattern = endpoint.patternOf(topic) ?? topic;
      presences[pattern] = (presences[pattern] ?? 0) + n;
    }
  } catch {
    // Presence is off: this node alone.
  }
  return {
    at: Date.now(),
    node: endpoint.nodeName,
    nodes,
    connections,
    byTransport,
    channels,
    presences,
    messagesInPerSecond: node.rates.messagesInPerSecond,
    messagesOutPerSecond: node.rates.messagesOutPerSecond,
    heapUsed: node.memory.heapUsed,
    rss: node.memory.rss,
    eventLoopDelayP99Ms: node.eventLoop.delayMs.p99,
    busiest: busiest.slice(0, 10),
  };
}
