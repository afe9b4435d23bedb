import { type ConnectionOptions, type NatsConnection, type Subscription, connect } from "@nats-io/transport-node";
import type { Logger } from "../util/log.js";
import { defaultLogger } from "../util/log.js";
import type { BroadcastMessage, PubSubAdapter } from "./adapter.js";
import { decodeEnvelope, encodeEnvelope, redactUrl } from "./envelope.js";

export interface NatsAdapterOptions {
  /** e.g. `nats://127.0.0.1:4222`; several servers of one NATS cluster separated by commas. */
  url: string;
  /** Prefix of every subject, so several apps can share one NATS (default "fenix"). */
  namespace?: string;
  logger?: Logger;
  /** Extra options for the official client (`@nats-io/transport-node`). */
  nats?: Partial<ConnectionOptions>;
}

/**
 * Node names may hold `.` (host names), which NATS reads as a subject separator, and `*`/`>`,
 * which it reads as wildcards: the direct subject carries the name base64url-encoded instead.
 */
function subjectToken(nodeName: string): string {
  return Buffer.from(nodeName).toString("base64url");
}

/**
 * PubSub across nodes over NATS core (no JetStream): one subject every node listens to, plus one
 * per node for direct messages — the same delivery as {@link RedisAdapter}: at most once to other
 * nodes, local-only while NATS is unreachable (each failure reported once per outage), and the
 * client reconnects and resubscribes by itself. One connection per node carries both directions;
 * `noEcho` keeps a node's own publications from coming back to it.
 *
 * @example
 * const endpoint = new Endpoint({ pubsubAdapter: new NatsAdapter({ url: process.env.NATS_URL! }) });
 */
export class NatsAdapter implements PubSubAdapter {
  private connection: NatsConnection | undefined;
  private subscriptions: Subscription[] = [];
  private nodeName = "";
  private readonly namespace: string;
  private readonly logger: Logger;
  private connected = false;

  constructor(private readonly options: NatsAdapterOptions) {
    this.namespace = options.namespace ?? "fenix";
    this.logger = options.logger ?? defaultLogger();
  }

  get broadcastSubject(): string {
    return `${this.namespace}.broadcast`;
  }

  directSubject(nodeName: string): string {
    return `${this.namespace}.node.${subjectToken(nodeName)}`;
  }

  async start(nodeName: string, deliver: (message: BroadcastMessage) => void): Promise<void> {
    this.nodeName = nodeName;
    try {
      this.connection = await connect({
        servers: this.options.url.split(",").map((s) => s.trim()),
        name: `fenix-${nodeName}`,
        noEcho: true,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        ...this.options.nats,
      });
    } catch (err) {
      throw new Error(`cannot reach NATS at ${redactUrl(this.options.url)}: ${(err as Error).message}`);
    }
    this.connected = true;
    const onMessage = (subject: string, raw: string) => {
      const decoded = decodeEnvelope(raw);
      if (decoded === null) {
        this.logger.warn(`nats: ignoring a malformed message on ${subject}`);
        return;
      }
      if (decoded.node === this.nodeName) return;
      deliver(decoded.message);
    };
    for (const subject of [this.broadcastSubject, this.directSubject(nodeName)]) {
      this.subscriptions.push(
        this.connection.subscribe(subject, {
          callback: (err, msg) => {
            if (err) this.logger.warn({ err: { message: err.message } }, `nats subscription ${subject}: ${err.message}`);
            else onMessage(subject, msg.string());
          },
        }),
      );
    }
    // SUB is fire-and-forget: a round trip makes sure the server holds both subscriptions before
    // start() resolves, so a broadcast sent right after reaches this node.
    await this.connection.flush();
    void this.watch(this.connection);
  }

  /** One log line per outage and per recovery, as the Redis adapter writes. */
  private async watch(connection: NatsConnection): Promise<void> {
    for await (const status of connection.status()) {
      if (status.type === "disconnect" && this.connected) {
        this.connected = false;
        this.logger.warn("nats connection lost: broadcasts from other nodes are missed until it is back");
      } else if (status.type === "reconnect" && !this.connected) {
        this.connected = true;
        this.logger.info("nats connection restored: resubscribed");
      }
    }
  }

  async publish(message: BroadcastMessage): Promise<void> {
    this.send(this.broadcastSubject, message);
  }

  async directPublish(nodeName: string, message: BroadcastMessage): Promise<void> {
    this.send(this.directSubject(nodeName), message);
  }

  private send(subject: string, message: BroadcastMessage): void {
    if (!this.connection) throw new Error("NatsAdapter used before start()");
    // The client would buffer while reconnecting and flush old broadcasts later; fail fast instead,
    // so an outage means local-only delivery now, as with Redis, not a burst of stale messages.
    if (!this.connected) throw new Error("NATS is unreachable");
    this.connection.publish(subject, encodeEnvelope(this.nodeName, message));
  }

  async stop(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    this.subscriptions = [];
    this.connected = false;
    if (!connection || connection.isClosed()) return;
    await connection.drain().catch(() => connection.close());
  }
}
