import type { BroadcastMessage } from "../pubsub/adapter.js";
import type { Subscriber } from "../pubsub/pubsub.js";
import type { Ref } from "../protocol/message.js";
import { isThenable } from "../util/maybe.js";
import { telemetry } from "../util/telemetry.js";
import { describeValue } from "./callbacks.js";
import type { CompiledChannel } from "./compile.js";
import { Mailbox } from "./mailbox.js";
import { alreadyReplayed, planRecovery, withRecoveryInfo } from "./recovery.js";
import type { RecoveryPlan } from "./recovery.js";
import { Reply } from "./results.js";
import { validate } from "./schema.js";
import type { Checked } from "./schema.js";
import type { ChannelHost } from "./types.js";

export type ChannelState = "joining" | "joined" | "ending" | "dead";

/**
 * The first part of a channel's life: running `join`, answering it, subscribing, and — on a
 * history topic — reading what the client missed while holding live messages, so none falls
 * between the two. The channel server (server.ts) is this plus its jobs.
 */
export abstract class ChannelJoin<Job> extends Mailbox<Job> implements Subscriber {
  protected state: ChannelState = "joining";
  /** Pushes made during join reach the wire after the join reply, as in Phoenix. */
  protected pendingPushes: [string, unknown][] | null = [];
  /** Live messages held while a history-topic join reads what the client missed. */
  protected held: BroadcastMessage[] | null = null;
  protected joinedAt = 0;

  abstract readonly conn: ChannelHost;
  abstract readonly compiled: CompiledChannel;
  abstract readonly topic: string;
  abstract deliver(message: BroadcastMessage, scratch: object): void;
  abstract push(event: string, payload: unknown): void;
  protected abstract replyFrame(ref: Ref, status: string, response: unknown): void;
  /** Forget a channel that never started (refused or crashed join): no terminate. */
  protected abstract discard(): void;
  /** Queue the replay of missed and held messages (a mailbox job, after the join). */
  protected abstract startReplay(messages: BroadcastMessage[]): void;
  /** The payload schema refused the message: answered with `invalid_payload`. */
  protected abstract refusePayload(event: string, ref: Ref, checked: Checked & { ok: false }): void;
  protected abstract readonly socket: object;

  get name(): string {
    return this.compiled.name;
  }

  get joined(): boolean {
    return this.state === "joined";
  }

  /**
   * Runs `join` and answers the client. `before` (waiting for a replaced channel) runs first.
   * A synchronous `join` answers synchronously, so the reply precedes any later frame.
   */
  join(payload: unknown, ref: Ref, before?: Promise<unknown>, afterReply?: () => void): void {
    const schema = this.compiled.schemas?.get("phx_join");
    if (schema === undefined) return this.runJoin(payload, ref, before, afterReply);
    let checked: Checked | PromiseLike<Checked>;
    try {
      checked = validate(schema, payload);
    } catch (err) {
      return this.joinCrashed(err, ref, afterReply, performance.now());
    }
    const go = (result: Checked): void => {
      if (result.ok) return this.runJoin(result.value, ref, before, afterReply);
      this.refusePayload("phx_join", ref, result);
      afterReply?.();
      this.discard();
    };
    if (!isThenable(checked)) return go(checked);
    this.running = true;
    Promise.resolve(checked).then(
      (result) => {
        this.running = false;
        go(result);
      },
      (err) => {
        this.joinCrashed(err, ref, afterReply, performance.now());
        this.resume();
      },
    );
  }

  private runJoin(payload: unknown, ref: Ref, before: Promise<unknown> | undefined, afterReply: (() => void) | undefined): void {
    this.running = true;
    const started = performance.now();
    const definition = this.compiled.definition;
    const call = (): unknown => (definition.join ? definition.join(this.topic, payload, this.socket as never) : undefined);
    const settle = (result: unknown): void | Promise<void> => this.settleJoin(result, payload, ref, started, afterReply);
    const fail = (err: unknown): void => this.joinCrashed(err, ref, afterReply, started);
    const resume = (): void => this.resume();
    const broken = (err: unknown): void => {
      // Only a failure to answer (e.g. encoding the reply) lands here; never let it reach the transport.
      this.conn.logger.error(
        { err, topic: this.topic, channel: this.name },
        `${this.name}: could not answer join of ${this.topic}: ${(err as Error)?.message}`,
      );
      this.discard();
    };
    const guarded = (step: () => void | Promise<void>): void | Promise<void> => {
      try {
        const result = step();
        if (isThenable(result)) return Promise.resolve(result).catch(broken);
      } catch (err) {
        broken(err);
      }
    };
    if (before) {
      before
        .then(call)
        .then(
          (result) => guarded(() => settle(result)),
          (err) => guarded(() => fail(err)),
        )
        .finally(resume);
      return;
    }
    let result: unknown;
    try {
      result = call();
    } catch (err) {
      guarded(() => fail(err));
      resume();
      return;
    }
    if (isThenable(result)) {
      Promise.resolve(result)
        .then(
          (value) => guarded(() => settle(value)),
          (err) => guarded(() => fail(err)),
        )
        .finally(resume);
      return;
    }
    const settled = guarded(() => settle(result));
    if (settled) settled.finally(resume);
    else resume();
  }

  private publishJoin(status: string, started: number): void {
    telemetry.join.publish({
      runtime: this.conn.runtime,
      socket: this.conn.socketName,
      channel: this.name,
      topic: this.topic,
      status,
      durationMs: performance.now() - started,
    });
  }

  private joinCrashed(err: unknown, ref: Ref, afterReply: (() => void) | undefined, started: number): void {
    this.conn.runtime.stats.crashes++;
    if (telemetry.crash.hasSubscribers) {
      telemetry.crash.publish({ runtime: this.conn.runtime, channel: this.name, topic: this.topic, where: `join(${JSON.stringify(this.topic)})`, error: err });
    }
    if (telemetry.join.hasSubscribers) this.publishJoin("crashed", started);
    this.replyFrame(ref, "error", { reason: "join crashed" });
    afterReply?.();
    this.discard();
  }

  private settleJoin(result: unknown, payload: unknown, ref: Ref, started: number, afterReply?: () => void): void | Promise<void> {
    if (result !== undefined && !(result instanceof Reply)) {
      this.joinCrashed(
        new TypeError(`${this.name}.join must return ok(reply), error(reply) or nothing, got ${describeValue(result)}`),
        ref,
        afterReply,
        started,
      );
      return;
    }
    const reply = result ?? new Reply("ok", {});
    if (telemetry.join.hasSubscribers) this.publishJoin(reply.status, started);
    if (reply.status !== "ok") {
      this.replyFrame(ref, reply.status, reply.response);
      afterReply?.();
      this.discard();
      return;
    }
    const pubsub = this.conn.runtime.pubsub;
    const history = pubsub.historyFor(this.topic);
    if (history === undefined) {
      this.replyFrame(ref, "ok", reply.response);
      afterReply?.();
      this.state = "joined";
      pubsub.subscribe(this.topic, this);
      this.flushPendingPushes();
      return;
    }
    // Subscribe before reading the history, holding live messages, so none falls between the two.
    this.held = [];
    pubsub.subscribe(this.topic, this);
    const finish = (plan: RecoveryPlan): void => {
      this.replyFrame(ref, "ok", withRecoveryInfo(reply.response, plan.info));
      afterReply?.();
      const held = this.held ?? [];
      if (this.state !== "joining") {
        this.held = null;
        return;
      }
      this.state = "joined";
      // Keep holding live messages until the replay (a mailbox job, after this join) has gone out.
      this.held = [];
      this.flushPendingPushes();
      this.startReplay([...plan.replay, ...held.filter((m) => !alreadyReplayed(m, plan.info))]);
    };
    let plan: RecoveryPlan | PromiseLike<RecoveryPlan>;
    try {
      plan = planRecovery(pubsub, this.topic, history, payload);
    } catch (err) {
      plan = Promise.reject(err);
    }
    if (!isThenable(plan)) return finish(plan);
    return Promise.resolve(plan).then(finish, (err) => {
      this.conn.logger.error({ err, topic: this.topic }, `${this.name}: could not read the history of ${this.topic}: ${(err as Error)?.message}`);
      finish({ info: { epoch: "", offset: 0, recovered: false }, replay: [] });
    });
  }

  private flushPendingPushes(): void {
    this.joinedAt = Date.now();
    const pushes = this.pendingPushes ?? [];
    this.pendingPushes = null;
    for (const [event, p] of pushes) this.push(event, p);
  }
}
