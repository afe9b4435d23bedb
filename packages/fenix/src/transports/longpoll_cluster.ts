// Long-poll without sticky sessions: a request whose session lives on another node is relayed
// over PubSub to that node, which serves it and answers over PubSub. Each node listens on two
// topics named after the transport's route: requests for its sessions, and replies to its own
// requests (directBroadcast addresses the node, the request id the caller).
import { randomUUID } from "node:crypto";
import type { Logger } from "../util/log.js";
import type { BroadcastMessage } from "../pubsub/adapter.js";
import type { PubSub, Subscriber } from "../pubsub/pubsub.js";
import type { DispatchStatus, InboundFrame, LongPollSession, PollOutcome } from "./longpoll_session.js";

/** A frame as it crosses nodes: binary frames as base64, so every adapter can carry them. */
type WireFrame = [kind: "t" | "b", data: string];

type Request =
  | { op: "poll"; rid: string; from: string; sid: string }
  | { op: "cancel"; rid: string; from: string; sid: string }
  | { op: "publish"; rid: string; from: string; sid: string; frames: WireFrame[] };

type Reply =
  | { rid: string; op: "ack" }
  | { rid: string; op: "gone" }
  | { rid: string; op: "poll"; outcome: PollOutcome }
  | { rid: string; op: "publish"; status: DispatchStatus };

/** `gone`: the owner did not acknowledge within pubsubTimeoutMs, or has no such session. `late`: acknowledged, then no result. */
export type RemoteResult<T> = T | "gone" | "late";

interface Pending {
  settle(reply: Reply | "gone" | "late"): void;
  /** After the ack, how long the result may take. */
  resultMs: number;
  timer: NodeJS.Timeout;
}

export interface ClusterTimeouts {
  windowMs: number;
  pubsubTimeoutMs: number;
}

export class LongPollCluster {
  private readonly requestTopic: string;
  private readonly replyTopic: string;
  private readonly pending = new Map<string, Pending>();
  /** Polls this node serves for other nodes, by `node rid`, so a cancel can withdraw them. */
  private readonly remoteWaits = new Map<string, () => void>();
  private readonly requests: Subscriber = { deliver: (m) => this.onRequest(m) };
  private readonly replies: Subscriber = { deliver: (m) => this.onReply(m) };

  constructor(
    route: string,
    private readonly pubsub: PubSub,
    private readonly lookup: (sid: string) => LongPollSession | undefined,
    private readonly timeouts: ClusterTimeouts,
    private readonly logger: Logger,
  ) {
    this.requestTopic = `fenix:longpoll:${route}`;
    this.replyTopic = `fenix:longpoll:${route}:reply`;
    pubsub.subscribe(this.requestTopic, this.requests);
    pubsub.subscribe(this.replyTopic, this.replies);
  }

  get nodeName(): string {
    return this.pubsub.nodeName;
  }

  /** A GET for a session on `node`. `onStarted` receives a cancel for when the HTTP client leaves. */
  async poll(node: string, sid: string, onStarted: (cancel: () => void) => void): Promise<RemoteResult<PollOutcome>> {
    const rid = randomUUID();
    onStarted(() => {
      this.abandon(rid);
      this.send(node, { op: "cancel", rid, from: this.nodeName, sid }, this.requestTopic);
    });
    const reply = await this.call(node, { op: "poll", rid, from: this.nodeName, sid }, this.timeouts.windowMs + this.timeouts.pubsubTimeoutMs);
    return typeof reply === "string" ? reply : reply.op === "poll" ? reply.outcome : "gone";
  }

  async publish(node: string, sid: string, frames: readonly InboundFrame[]): Promise<RemoteResult<DispatchStatus>> {
    const wire: WireFrame[] = frames.map((f) => (f.binary ? ["b", f.data.toString("base64")] : ["t", f.data]));
    // The owner may give each frame a whole window (408 after the first that overruns).
    const resultMs = this.timeouts.windowMs * Math.max(1, frames.length) + this.timeouts.pubsubTimeoutMs;
    const reply = await this.call(node, { op: "publish", rid: randomUUID(), from: this.nodeName, sid, frames: wire }, resultMs);
    return typeof reply === "string" ? reply : reply.op === "publish" ? reply.status : "gone";
  }

  /** Gives up on every outstanding request (their HTTP requests answer as for a dead session). */
  close(): void {
    this.pubsub.unsubscribe(this.requestTopic, this.requests);
    this.pubsub.unsubscribe(this.replyTopic, this.replies);
    for (const pending of [...this.pending.values()]) pending.settle("gone");
    for (const cancel of [...this.remoteWaits.values()]) cancel();
    this.remoteWaits.clear();
  }

  private call(node: string, request: Request, resultMs: number): Promise<Reply | "gone" | "late"> {
    return new Promise((resolve) => {
      const pending: Pending = {
        resultMs,
        timer: setTimeout(() => pending.settle("gone"), this.timeouts.pubsubTimeoutMs),
        settle: (reply) => {
          clearTimeout(pending.timer);
          this.pending.delete(request.rid);
          resolve(reply);
        },
      };
      this.pending.set(request.rid, pending);
      this.pubsub.directBroadcast(node, this.requestTopic, "request", request).catch((err) => {
        this.logger.warn({ err, node }, `long-poll: cannot reach node ${node}: ${(err as Error)?.message}`);
        this.pending.get(request.rid)?.settle("gone");
      });
    });
  }

  private abandon(rid: string): void {
    const pending = this.pending.get(rid);
    if (pending === undefined) return;
    clearTimeout(pending.timer);
    this.pending.delete(rid);
  }

  private send(node: string, payload: Request | Reply, topic = this.replyTopic): void {
    this.pubsub.directBroadcast(node, topic, topic === this.replyTopic ? "reply" : "request", payload).catch((err) => {
      this.logger.debug({ err, node }, `long-poll: could not reach node ${node}: ${(err as Error)?.message}`);
    });
  }

  private onReply(message: BroadcastMessage): void {
    const reply = message.payload as Reply;
    const pending = this.pending.get(reply?.rid);
    if (pending === undefined) return;
    if (reply.op !== "ack") {
      pending.settle(reply);
      return;
    }
    clearTimeout(pending.timer);
    pending.timer = setTimeout(() => pending.settle("late"), pending.resultMs);
  }

  private onRequest(message: BroadcastMessage): void {
    const request = message.payload as Request;
    if (request === null || typeof request !== "object" || typeof request.from !== "string") return;
    const { rid, from } = request;
    const key = `${from} ${rid}`;
    if (request.op === "cancel") {
      this.remoteWaits.get(key)?.();
      this.remoteWaits.delete(key);
      return;
    }
    const session = this.lookup(request.sid);
    if (session === undefined) {
      this.send(from, { rid, op: "gone" });
      return;
    }
    this.send(from, { rid, op: "ack" });
    if (request.op === "poll") {
      let answered = false;
      const cancel = session.poll((outcome) => {
        answered = true;
        this.remoteWaits.delete(key);
        this.send(from, { rid, op: "poll", outcome });
      });
      if (!answered) this.remoteWaits.set(key, cancel);
      return;
    }
    const frames: InboundFrame[] = request.frames.map(([kind, data]) =>
      kind === "b" ? { binary: true, data: Buffer.from(data, "base64") } : { binary: false, data },
    );
    void session.dispatch(frames).then((status) => this.send(from, { rid, op: "publish", status }));
  }
}
