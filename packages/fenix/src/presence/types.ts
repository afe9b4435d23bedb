/** Presence metadata as clients see it: user fields plus `phx_ref` (and `phx_ref_prev` after an update). */
export type Meta = Record<string, unknown> & { phx_ref: string; phx_ref_prev?: string };

/** One tracked presence. `owner` identifies what tracked it (a channel instance) on its node. */
export interface Entry {
  topic: string;
  owner: string;
  key: string;
  meta: Meta;
}

/** Changes per topic, as Phoenix.Tracker's handle_diff receives them. */
export type Diff = Map<string, { joins: [string, Meta][]; leaves: [string, Meta][] }>;

/** A replica is one tracker shard on one node; `vsn` tells a restarted node from its previous life. */
export interface ReplicaRef {
  name: string;
  vsn: number;
}

export type Op = { op: "join"; entry: Entry } | { op: "leave"; entry: Entry };

/** What shards say to each other over PubSub. */
export type ShardMessage =
  | { type: "heartbeat"; from: ReplicaRef; seq: number; delta?: { from: number; ops: Op[] } }
  | { type: "transfer_req"; from: ReplicaRef }
  | { type: "transfer_ack"; from: ReplicaRef; seq: number; entries: Entry[] }
  | { type: "graceful_permdown"; from: ReplicaRef };

export function entryId(topic: string, owner: string, key: string): string {
  return `${topic}\u0000${owner}\u0000${key}`;
}

export function addToDiff(diff: Diff, topic: string, kind: "joins" | "leaves", key: string, meta: Meta): void {
  let changes = diff.get(topic);
  if (changes === undefined) {
    changes = { joins: [], leaves: [] };
    diff.set(topic, changes);
  }
  changes[kind].push([key, meta]);
}
