import type { BroadcastMessage } from "../pubsub/adapter.js";
import type { Scratch } from "../pubsub/pubsub.js";
import type { Ref } from "../protocol/message.js";
import { isThenable } from "../util/maybe.js";
import { telemetry } from "../util/telemetry.js";
import { callIn, callInfo, callOut, callTerminate, describeValue as describe } from "./callbacks.js";
import type { CompiledChannel } from "./compile.js";
import type { InResult, InfoResult } from "./definition.js";
import { fastlane } from "./dispatch.js";
import { ChannelJoin } from "./join.js";
import { Reply, Stop, describeReason, isGraceful } from "./results.js";
import type { StopReason } from "./results.js";
import { validate } from "./schema.js";
import type { Checked } from "./schema.js";
import { ChannelSocket } from "./socket.js";
import { ChannelTimers } from "./timers.js";
import type { Assigns, ChannelHost, ChannelProcess, SocketRef, TimerRef } from "./types.js";

type Job =
  | { kind: "in"; event: string; payload: unknown; ref: Ref }
  | { kind: "out"; event: string; payload: unknown }
  | { kind: "info"; message: unknown }
  | { kind: "leave"; ref: Ref }
  | { kind: "shutdown"; reason: StopReason }
  | { kind: "stop"; reason: StopReason }
  | { kind: "replay"; messages: BroadcastMessage[] };

/**
 * One channel instance: a serial mailbox for one (connection, topic). Jobs run one at a time in
 * arrival order; an async handler delays only this channel. A throw ends only this channel.
 * Joining (and history recovery) is join.ts; the run loop is mailbox.ts; this file is the jobs.
 */
export class ChannelServer extends ChannelJoin<Job> implements ChannelProcess {
  readonly socket: ChannelSocket;
  /** join_ref carried by replies and pushes: the client's join_ref, or the join's ref when absent. */
  readonly channelJoinRef: Ref;
  private readonly intercepts: ReadonlySet<string>;
  // Made on first use: most channels never set a timer (32 B per idle channel otherwise).
  private timers: ChannelTimers | undefined = undefined;
  private current: Ref = null;

  constructor(
    readonly conn: ChannelHost,
    readonly compiled: CompiledChannel,
    readonly topic: string,
    /** The join_ref exactly as the client sent it; phx_close/phx_error use it. */
    readonly joinRef: Ref,
    joinMessageRef: Ref,
    assigns: Assigns,
  ) {
    super();
    this.channelJoinRef = joinRef ?? joinMessageRef;
    this.intercepts = compiled.intercepts;
    this.socket = new ChannelSocket(this, assigns);
  }

  get definition() {
    return this.compiled.definition;
  }

  /** Sends missed and held messages in their order, then lets live messages flow straight again. */
  protected startReplay(messages: BroadcastMessage[]): void {
    this.enqueue({ kind: "replay", messages });
  }

  /**
   * Intercepted ones go through handleOut. One message that cannot be encoded for this client is
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
        this.conn.write(this.conn.serializer.fastlane(message));
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

  /** Ends the channel from the server as a `stop` would: phx_close to the client (it does not rejoin), then terminate. */
  stop(reason: StopReason): void {
    this.enqueue({ kind: "stop", reason });
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
    this.conn.channelGone(this);
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

  /**
   * PubSub delivery — Phoenix's `Channel.Server.dispatch/3`: intercepted events go through the
   * mailbox, others straight to the wire as the broadcast's frame, encoded once per serializer.
   */
  deliver(message: BroadcastMessage, scratch: Scratch): void {
    if (this.held !== null) {
      this.held.push(message);
      return;
    }
    if (this.state !== "joined") return;
    const cache = fastlane(message, scratch);
    if (cache.intercepted(this.intercepts)) {
      this.enqueue({ kind: "out", event: message.event, payload: message.payload });
    } else {
      this.conn.writeShared(cache.frameFor(this.conn.serializer));
    }
  }

  // ---- outbound -----------------------------------------------------------------------------

  push(event: string, payload: unknown): void {
    if (this.pendingPushes !== null) {
      this.pendingPushes.push([event, payload]);
      return;
    }
    if (this.state === "dead") return;
    this.conn.write(this.conn.serializer.encode({ joinRef: this.channelJoinRef, ref: null, topic: this.topic, event, payload }));
  }

  protected replyFrame(ref: Ref, status: string, response: unknown): void {
    this.conn.write(this.conn.serializer.encode({ joinRef: this.channelJoinRef, ref, topic: this.topic, status, response }));
  }

  private controlFrame(event: "phx_close" | "phx_error", payload: object): void {
    this.conn.write(this.conn.serializer.encode({ joinRef: this.joinRef, ref: this.joinRef, topic: this.topic, event, payload }));
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
    return (this.timers ??= new ChannelTimers()).start(ms, repeat, () => this.info(message));
  }

  cancelTimer(timer: TimerRef): void {
    this.timers?.cancel(timer);
  }

  /** Live timers, for tests and metrics. */
  get timerCount(): number {
    return this.timers?.size ?? 0;
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
        const schema = this.compiled.schemas?.get(job.event);
        if (schema === undefined) return this.handle(job.event, job.payload, job.ref);
        const checked = validate(schema, job.payload);
        return isThenable(checked) ? checked.then((c) => this.handleChecked(c, job)) : this.handleChecked(checked, job);
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
      case "stop":
        return this.end(job.reason);
      case "replay":
        return this.replay(job.messages);
    }
  }

  private handleChecked(checked: Checked, job: Job & { kind: "in" }): unknown {
    if (checked.ok) return this.handle(job.event, checked.value, job.ref);
    this.refusePayload(job.event, job.ref, checked);
  }

  private handle(event: string, payload: unknown, ref: Ref): unknown {
    this.current = ref;
    const started = telemetry.handleIn.hasSubscribers ? performance.now() : 0;
    const result = callIn(this.definition, event, payload, this.socket);
    return isThenable(result) ? result.then((r) => this.afterIn(r as InResult, ref, event, started)) : this.afterIn(result, ref, event, started);
  }

  /** An invalid payload is answered here and goes no further. */
  protected refusePayload(event: string, ref: Ref, checked: Checked & { ok: false }): void {
    this.conn.logger.debug({ topic: this.topic, event, errors: checked.errors }, `${this.name}: invalid ${event} payload on ${this.topic}`);
    this.replyFrame(ref, "error", { reason: "invalid_payload", errors: checked.errors });
  }

  private afterIn(result: InResult, ref: Ref, event: string, started: number): unknown {
    this.current = null;
    if (started !== 0 && (result === undefined || result instanceof Reply || result instanceof Stop)) {
      const status = result === undefined ? "noreply" : result instanceof Reply ? result.status : "stop";
      telemetry.handleIn.publish({ runtime: this.conn.runtime, channel: this.name, topic: this.topic, event, status, durationMs: performance.now() - started });
    }
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
    this.conn.runtime.stats.crashes++;
    if (telemetry.crash.hasSubscribers) telemetry.crash.publish({ runtime: this.conn.runtime, channel: this.name, topic: this.topic, where, error: err });
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
    this.timers?.clear();
    this.conn.runtime.pubsub.unsubscribe(this.topic, this);
    this.conn.channelEnded(this);
    const graceful = isGraceful(reason);
    if (graceful && !silent && wasJoined) this.controlFrame("phx_close", {});
    const finish = () => {
      this.timers?.clear();
      this.state = "dead";
      this.runEndCallbacks();
      if (!graceful && !silent) this.controlFrame("phx_error", { reason: "channel_crash" });
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
  protected discard(): void {
    this.state = "dead";
    this.held = null;
    // A history join subscribes before it answers; a failed answer must not leave it subscribed.
    this.conn.runtime.pubsub.unsubscribe(this.topic, this);
    this.runEndCallbacks();
    this.queue.length = 0;
    this.pendingPushes = null;
    this.timers?.clear();
    this.conn.channelEnded(this);
    this.resolveDead();
  }
}
