import type { Endpoint } from "../endpoint.js";
import type { Logger } from "../log.js";
import type { BroadcastMessage } from "../pubsub/adapter.js";
import type { FastlaneCache, Subscriber } from "../pubsub/pubsub.js";
import type { Frame, Ref, Serializer, SharedFrame } from "../serializer/types.js";
import type { Assigns, ChannelDefinition, InResult, InfoResult } from "./definition.js";
import { callIn, callInfo, callOut, callTerminate, checkPayload, describeValue as describe, isThenable } from "./callbacks.js";
import { Reply, Stop, describeReason, isGraceful } from "./results.js";
import type { StopReason } from "./results.js";
import { alreadyReplayed, planRecovery, withRecoveryInfo } from "./recovery.js";
import type { RecoveryPlan } from "./recovery.js";
import { ChannelSocket } from "./socket.js";
import type { SocketRef, TimerRef } from "./socket.js";
import { Mailbox } from "./mailbox.js";
import { ChannelTimers } from "./timers.js";

/** What a channel needs from the connection that hosts it. */
export interface ChannelHost {
  readonly id: string | null;
  readonly transportName: string;
  readonly endpoint: Endpoint;
  readonly logger: Logger;
  readonly serializer: Serializer;
  readonly handlerName: string;
  write(frame: Frame): void;
  writeShared(frame: SharedFrame): void;
  /** The channel is gone; the host forgets it (if it is still the one registered for its topic). */
  channelEnded(server: ChannelServer): void;
}

type Job =
  | { kind: "in"; event: string; payload: unknown; ref: Ref }
  | { kind: "out"; event: string; payload: unknown }
  | { kind: "info"; message: unknown }
  | { kind: "leave"; ref: Ref }
  | { kind: "shutdown"; reason: StopReason }
  | { kind: "replay"; messages: BroadcastMessage[] };

type State = "joining" | "joined" | "ending" | "dead";

const INVALID = Symbol("invalid payload");

// One set per channel definition, shared by its instances: per-channel memory is per-connection memory.
const interceptSets = new WeakMap<ChannelDefinition<any>, ReadonlySet<string>>();
function interceptsOf(definition: ChannelDefinition<any>): ReadonlySet<string> {
  let set = interceptSets.get(definition);
  if (set === undefined) {
    set = new Set(definition.intercepts ?? []);
    interceptSets.set(definition, set);
  }
  return set;
}

/**
 * One channel instance: a serial mailbox for one (connection, topic). Jobs run one at a time in
 * arrival order; an async handler delays only this channel. A throw ends only this channel.
 */
export class ChannelServer extends Mailbox<Job> implements Subscriber {
  readonly socket: ChannelSocket;
  /** join_ref carried by replies and pushes: the client's join_ref, or the join's ref when absent. */
  readonly channelJoinRef: Ref;
  private readonly intercepts: ReadonlySet<string>;
  private state: State = "joining";
  private pendingPushes: [string, unknown][] | null = [];
  private readonly timers = new ChannelTimers();
  private current: Ref = null;
  /** Live messages held while a history-topic join reads what the client missed. */
  private held: BroadcastMessage[] | null = null;
  private joinedAt = 0;

  constructor(
    readonly conn: ChannelHost,
    readonly definition: ChannelDefinition<any>,
    readonly topic: string,
    /** The join_ref exactly as the client sent it; phx_close/phx_error use it. */
    readonly joinRef: Ref,
    joinMessageRef: Ref,
    assigns: Assigns,
  ) {
    super();
    this.channelJoinRef = joinRef ?? joinMessageRef;
    this.intercepts = interceptsOf(definition);
    this.socket = new ChannelSocket(this, assigns);
  }

  get name(): string {
    return this.definition.name ?? "Channel";
  }

  get joined(): boolean {
    return this.state === "joined";
  }

  /**
   * Runs `join` and answers the client. `before` (waiting for a replaced channel) runs first.
   * A synchronous `join` answers synchronously, so the reply precedes any later frame.
   */
  join(payload: unknown, ref: Ref, before?: Promise<unknown>, afterReply?: () => void): void {
    if (this.definition.schemas?.phx_join) {
      const checked = this.validate("phx_join", payload, ref);
      if (checked === INVALID) {
        afterReply?.();
        this.discard();
        return;
      }
      payload = checked;
    }
    this.running = true;
    const started = performance.now();
    const call = (): unknown => (this.definition.join ? this.definition.join(this.topic, payload, this.socket) : undefined);
    const settle = (result: unknown): void | Promise<void> => this.settleJoin(result, payload, ref, started, afterReply);
    const fail = (err: unknown): void => this.joinCrashed(err, ref, afterReply);
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

  private joinCrashed(err: unknown, ref: Ref, afterReply?: () => void): void {
    this.conn.logger.error(
      { err, topic: this.topic, channel: this.name },
      `an exception was raised in ${this.name}.join(${JSON.stringify(this.topic)}): ${(err as Error)?.message ?? err}`,
    );
    this.replyFrame(ref, "error", { reason: "join crashed" });
    afterReply?.();
    this.discard();
  }

  private settleJoin(result: unknown, payload: unknown, ref: Ref, started: number, afterReply?: () => void): void | Promise<void> {
    if (result !== undefined && !(result instanceof Reply)) {
      this.joinCrashed(new TypeError(`${this.name}.join must return ok(reply), error(reply) or nothing, got ${describe(result)}`), ref, afterReply);
      return;
    }
    const reply = result ?? new Reply("ok", {});
    const info = this.conn.logger.isLevelEnabled("info");
    const ms = info ? (performance.now() - started).toFixed(2) : "";
    if (reply.status !== "ok") {
      if (info)
        this.conn.logger.info(
          { topic: this.topic, channel: this.name, status: reply.status, ms },
          `JOIN ${this.topic} to ${this.name} refused (${reply.status}) in ${ms}ms`,
        );
      this.replyFrame(ref, reply.status, reply.response);
      afterReply?.();
      this.discard();
      return;
    }
    if (info) this.conn.logger.info({ topic: this.topic, channel: this.name, ms }, `JOIN ${this.topic} to ${this.name} ok in ${ms}ms`);
    const pubsub = this.conn.endpoint.pubsub;
    const history = pubsub.historyFor(this.topic);
    if (history === undefined) {
      this.replyFrame(ref, "ok", reply.response);
      afterReply?.();
      this.state = "joined";
      pubsub.subscribe(this.topic, this);
      this.joined_();
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
      this.joined_();
      this.enqueue({ kind: "replay", messages: [...plan.replay, ...held.filter((m) => !alreadyReplayed(m, plan.info))] });
    };
    let plan: RecoveryPlan | Promise<RecoveryPlan>;
    try {
      plan = planRecovery(pubsub, this.topic, history, payload);
    } catch (err) {
      plan = Promise.reject(err);
    }
    if (!(plan instanceof Promise)) return finish(plan);
    return plan.then(finish, (err) => {
      this.conn.logger.error({ err, topic: this.topic }, `${this.name}: could not read the history of ${this.topic}: ${(err as Error)?.message}`);
      finish({ info: { epoch: "", offset: 0, recovered: false }, replay: [] });
    });
  }

  private joined_(): void {
    this.joinedAt = Date.now();
    const pushes = this.pendingPushes ?? [];
    this.pendingPushes = null;
    for (const [event, p] of pushes) this.push(event, p);
  }

  /**
   * Sends missed and held messages in their order, intercepted ones through handleOut, then lets
   * live messages flow straight again. One message that cannot be encoded for this client is
   * skipped and logged, as live delivery does.
   */
  private replay(messages: BroadcastMessage[], from = 0): unknown {
    for (let i = from; i < messages.length; i++) {
      if (this.state !== "joined") return;
      const message = messages[i];
      if (this.intercepts.has(message.event)) {
        const result = callOut(this.definition, message.event, message.payload, this.socket);
        const after = isThenable(result) ? result.then((r) => this.afterInfo(r as InfoResult)) : this.afterInfo(result);
        if (isThenable(after)) return Promise.resolve(after).then(() => this.replay(messages, i + 1));
        continue;
      }
      try {
        this.conn.write(this.conn.serializer.encodeBroadcast(this.topic, message.event, message.payload, message.id ?? null));
      } catch (err) {
        this.conn.logger.warn(
          { err, topic: this.topic, event: message.event },
          `${this.name}: skipped a replayed ${message.event} this client cannot receive: ${(err as Error)?.message}`,
        );
      }
    }
    const more = this.held ?? [];
    if (more.length > 0 && this.state === "joined") {
      this.held = [];
      return this.replay(more);
    }
    this.held = null;
  }

  // ---- inbound ------------------------------------------------------------------------------

  handleIn(event: string, payload: unknown, ref: Ref): void {
    this.enqueue({ kind: "in", event, payload, ref });
  }

  leave(ref: Ref): void {
    this.enqueue({ kind: "leave", ref });
  }

  info(message: unknown): void {
    this.enqueue({ kind: "info", message });
  }

  /** Ends the channel from outside (connection closed, duplicate join, disconnect). No frame is sent. */
  shutdown(reason: StopReason, dropPending = false): Promise<void> {
    if (this.state === "dead") return Promise.resolve();
    if (dropPending) this.queue.length = 0;
    return new Promise((resolve) => {
      // Register first: an idle channel runs the shutdown job (and resolves) synchronously.
      (this.onDead ??= []).push(resolve);
      this.enqueue({ kind: "shutdown", reason });
    });
  }

  // Allocated on first use: idle channels are where per-connection memory goes.
  private onDead: (() => void)[] | undefined;
  private endCallbacks: (() => void)[] | undefined;

  onEnd(callback: () => void): void {
    if (this.state === "dead") this.runEndCallback(callback);
    else (this.endCallbacks ??= []).push(callback);
  }

  private resolveDead(): void {
    const waiting = this.onDead;
    this.onDead = undefined;
    for (const resolve of waiting ?? []) resolve();
  }

  private runEndCallback(callback: () => void): void {
    try {
      callback();
    } catch (err) {
      this.conn.logger.error({ err, topic: this.topic }, `${this.name}: an onEnd callback threw: ${(err as Error)?.message}`);
    }
  }

  private runEndCallbacks(): void {
    const callbacks = this.endCallbacks;
    this.endCallbacks = undefined;
    for (const callback of callbacks ?? []) this.runEndCallback(callback);
  }

  /** PubSub delivery: intercepted events go through the mailbox, others straight to the wire. */
  deliver(message: BroadcastMessage, cache: FastlaneCache): void {
    if (this.held !== null) {
      this.held.push(message);
      return;
    }
    if (this.state !== "joined") return;
    if (cache.intercepted(this.intercepts)) {
      this.enqueue({ kind: "out", event: message.event, payload: message.payload });
    } else {
      this.conn.writeShared(cache.frameFor(this.conn.serializer));
    }
  }

  // ---- outbound -----------------------------------------------------------------------------

  push(event: string, payload: unknown): void {
    if (this.pendingPushes !== null) {
      // Pushes made during join reach the wire after the join reply, as in Phoenix.
      this.pendingPushes.push([event, payload]);
      return;
    }
    if (this.state === "dead") return;
    this.conn.write(this.conn.serializer.encodePush(this.channelJoinRef, this.topic, event, payload));
  }

  private replyFrame(ref: Ref, status: string, response: unknown): void {
    this.conn.write(this.conn.serializer.encodeReply(this.channelJoinRef, ref, this.topic, status, response));
  }

  currentRef(): SocketRef {
    const ref = this.current;
    return {
      topic: this.topic,
      ref,
      reply: (reply: Reply) => {
        if (this.state !== "dead") this.replyFrame(ref, reply.status, reply.response);
      },
    };
  }

  timer(message: unknown, ms: number, repeat: boolean): TimerRef {
    if (this.state === "ending" || this.state === "dead") return null as unknown as TimerRef;
    return this.timers.start(ms, repeat, () => this.info(message));
  }

  cancelTimer(timer: TimerRef): void {
    this.timers.cancel(timer);
  }

  /** Live timers, for tests and metrics. */
  get timerCount(): number {
    return this.timers.size;
  }

  // ---- mailbox ------------------------------------------------------------------------------

  protected accepts(job: Job): boolean {
    return !(this.state === "dead" || (this.state === "ending" && job.kind !== "shutdown"));
  }

  protected readiness(job: Job): "run" | "wait" | "stop" {
    if (this.state === "dead") return "stop";
    // Until the join has answered, everything but a shutdown waits its turn.
    return this.state === "joining" && job.kind !== "shutdown" ? "wait" : "run";
  }

  /** Runs one job; returns a promise only when a handler did. */
  protected run(job: Job): unknown {
    switch (job.kind) {
      case "in": {
        const checked = this.validate(job.event, job.payload, job.ref);
        if (checked === INVALID) return;
        this.current = job.ref;
        const result = callIn(this.definition, job.event, checked, this.socket);
        return isThenable(result) ? result.then((r) => this.afterIn(r as InResult, job.ref)) : this.afterIn(result, job.ref);
      }
      case "out": {
        const result = callOut(this.definition, job.event, job.payload, this.socket);
        return isThenable(result) ? result.then((r) => this.afterInfo(r as InfoResult)) : this.afterInfo(result);
      }
      case "info": {
        const result = callInfo(this.definition, job.message, this.socket);
        return isThenable(result) ? result.then((r) => this.afterInfo(r as InfoResult)) : this.afterInfo(result);
      }
      case "leave":
        this.replyFrame(job.ref, "ok", {});
        return this.end({ shutdown: "left" });
      case "shutdown":
        return this.end(job.reason, true);
      case "replay":
        return this.replay(job.messages);
    }
  }

  /** Checks a payload against the event's schema; an invalid one is answered here and goes no further. */
  private validate(event: string, payload: unknown, ref: Ref): unknown {
    const checked = checkPayload(this.definition, event, payload);
    if (checked.ok) return checked.value;
    this.conn.logger.debug({ topic: this.topic, event, errors: checked.errors }, `${this.name}: invalid ${event} payload on ${this.topic}`);
    this.replyFrame(ref, "error", { reason: "invalid_payload", errors: checked.errors });
    return INVALID;
  }

  private afterIn(result: InResult, ref: Ref): unknown {
    this.current = null;
    if (result === undefined) return;
    if (result instanceof Reply) {
      this.replyFrame(ref, result.status, result.response);
      return;
    }
    if (result instanceof Stop) {
      if (result.reply) this.replyFrame(ref, result.reply.status, result.reply.response);
      return this.end(result.reason);
    }
    throw new TypeError(`${this.name}.handleIn must return ok()/error()/reply(), stop() or nothing, got ${describe(result)}`);
  }

  private afterInfo(result: InfoResult): unknown {
    if (result === undefined) return;
    if (result instanceof Stop) return this.end(result.reason);
    throw new TypeError(`${this.name} handleOut/handleInfo must return stop() or nothing, got ${describe(result)}`);
  }

  protected crash(err: unknown, job: Job): unknown {
    if (this.state === "dead" || this.state === "ending") {
      this.conn.logger.error({ err, topic: this.topic, channel: this.name }, `${this.name} ${this.topic}: error while ending: ${(err as Error)?.message}`);
      return;
    }
    const where =
      job.kind === "in"
        ? `handleIn(${JSON.stringify(job.event)})`
        : job.kind === "out"
          ? `handleOut(${JSON.stringify(job.event)})`
          : job.kind === "info"
            ? "handleInfo"
            : job.kind;
    this.conn.logger.error(
      { err, topic: this.topic, channel: this.name },
      `an exception was raised in ${this.name}.${where} on ${this.topic}: ${(err as Error)?.message ?? err}`,
    );
    return this.end({ error: err });
  }

  /**
   * Ends the channel. Graceful reasons: phx_close, then terminate (its pushes still reach the
   * client). Crashes: terminate, then phx_error. `silent` (the connection is going away) sends
   * neither frame.
   */
  private end(reason: StopReason, silent = false): unknown {
    if (this.state === "dead" || this.state === "ending") return;
    const wasJoined = this.state === "joined";
    this.state = "ending";
    this.held = null;
    this.queue.length = 0;
    this.clearTimers();
    this.conn.endpoint.pubsub.unsubscribe(this.topic, this);
    this.conn.channelEnded(this);
    const graceful = isGraceful(reason);
    if (graceful && !silent && wasJoined) this.conn.write(this.conn.serializer.encodeMessage(this.joinRef, this.joinRef, this.topic, "phx_close", {}));
    const finish = () => {
      this.clearTimers();
      this.state = "dead";
      this.runEndCallbacks();
      if (!graceful && !silent) {
        this.conn.write(this.conn.serializer.encodeMessage(this.joinRef, this.joinRef, this.topic, "phx_error", { reason: "channel_crash" }));
      }
      const lived = this.joinedAt ? Date.now() - this.joinedAt : 0;
      this.conn.logger.debug(
        { topic: this.topic, channel: this.name, reason: describeReason(reason), lived },
        `${this.name} ${this.topic} ended: ${describeReason(reason)}`,
      );
      this.resolveDead();
    };
    const result = callTerminate(this.definition, reason, this.socket, this.conn.logger);
    if (result === undefined) {
      finish();
      return;
    }
    return result.finally(finish);
  }

  /** A refused or crashed join: forget the channel without terminate (it never started). */
  private discard(): void {
    this.state = "dead";
    this.held = null;
    // A history join subscribes before it answers; a failed answer must not leave it subscribed.
    this.conn.endpoint.pubsub.unsubscribe(this.topic, this);
    this.runEndCallbacks();
    this.queue.length = 0;
    this.pendingPushes = null;
    this.clearTimers();
    this.conn.channelEnded(this);
    this.resolveDead();
  }

  private clearTimers(): void {
    this.timers.clear();
  }
}
