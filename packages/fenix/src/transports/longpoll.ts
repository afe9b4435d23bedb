import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { CloseCode } from "../protocol/close.js";
import type { Tokens } from "../token/token.js";
import { BodyTooLargeError, readBody } from "../util/body.js";
import { LongPollCluster } from "./longpoll_cluster.js";
import { BadRequest, parseBody, requestToken, sendBadRequest, sendJson, sendPoll, sendPreflight } from "./longpoll_http.js";
import { LongPollSession } from "./longpoll_session.js";
import type { InboundFrame, PollOutcome } from "./longpoll_session.js";
import { closeSlowConsumer } from "./slow.js";
import { TickGroup } from "./ticker.js";
import type { Mount, Transport, TransportFactory } from "./transport.js";

/** Options of the long-poll transport. The origin check is the mount's (`checkOrigin`). */
export interface LongPollOptions {
  /** Path under the socket mount (default "/longpoll"); may contain `:name` segments. */
  path?: string;
  /** How long a GET waits for messages before answering 204, and how long one POSTed frame may take to dispatch before 408; a session without a GET for 1.5 × windowMs ends (default 10 000 ms). */
  windowMs?: number;
  /** How long a node waits for the node owning a session to answer over PubSub before treating the session as gone (default 2 000 ms). */
  pubsubTimeoutMs?: number;
  /** Largest POST body in bytes; a bigger one is refused with HTTP 413 (default 8 MiB). */
  maxBodyBytes?: number;
  /** Messages buffered for a client that does not poll; one more ends the session as a slow consumer (default 1000). */
  maxBufferedMessages?: number;
  /** Bytes buffered for a client that does not poll; past it the session ends as a slow consumer (default 1 MiB). */
  maxBufferedBytes?: number;
}

type Settings = Required<Omit<LongPollOptions, "path">>;

const DEFAULTS: Settings = {
  windowMs: 10_000,
  pubsubTimeoutMs: 2_000,
  maxBodyBytes: 8 * 1024 * 1024,
  maxBufferedMessages: 1_000,
  maxBufferedBytes: 1024 * 1024,
};

/**
 * The long-poll transport at `<mount>/longpoll`, for phoenix.js's LongPoll and its fallback.
 *
 * @example
 * endpoint.socket("/socket", UserSocket, { transports: [websocket(), longPoll({ windowMs: 20_000 })] });
 */
export function longPoll(options: LongPollOptions = {}): TransportFactory {
  return { name: "longpoll", path: options.path ?? "/longpoll", create: (mount) => new LongPollTransport(mount, options) };
}

/** Phoenix's `crypto: [max_age: 1_209_600]`: session tokens live two weeks (in seconds). */
const TOKEN_MAX_AGE = 1_209_600;
const TOKEN_VERSION = "fenix-lp-1";

interface SessionRef {
  node: string;
  sid: string;
}

/**
 * Serves `<mount>/longpoll` for phoenix.js's LongPoll transport and its WebSocket fallback, with
 * Phoenix's envelope: every answer is HTTP 200 JSON whose `status` field carries the outcome.
 * Sessions are named by signed tokens, so any node of a cluster can serve any request: one for
 * a session elsewhere is relayed over PubSub to the node that owns it.
 */
export class LongPollTransport implements Transport {
  private readonly settings: Settings;
  private readonly sessions = new Map<string, LongPollSession>();
  private readonly tokens: Tokens;
  private readonly salt: string;
  private readonly cluster: LongPollCluster;
  private readonly sweeper: TickGroup<LongPollTransport>;
  private closed = false;

  constructor(
    readonly mount: Mount,
    readonly options: LongPollOptions,
  ) {
    const settings = { ...DEFAULTS };
    for (const key of Object.keys(DEFAULTS) as (keyof Settings)[]) {
      const value = options[key];
      if (value === undefined) continue;
      if (typeof value !== "number" || !(value > 0)) throw new RangeError(`longpoll.${key} must be a positive number, got ${value}`);
      settings[key] = value;
    }
    this.settings = settings;
    const { runtime, route } = mount;
    this.tokens = runtime.transportTokens;
    this.salt = `fenix longpoll ${route}`;
    this.cluster = new LongPollCluster(route, runtime.pubsub, (sid) => this.sessions.get(sid), this.settings, runtime.logger);
    // One sweep of every session on the shared ticker, while there are sessions.
    this.sweeper = new TickGroup(Math.max(5, Math.floor(settings.windowMs / 2)), () => this.sweep());
  }

  private get logger() {
    return this.mount.runtime.logger;
  }

  private get nodeName(): string {
    return this.mount.runtime.nodeName;
  }

  async handleRequest(req: IncomingMessage, res: ServerResponse, pathParams: Record<string, string>): Promise<void> {
    const uri = new URL(req.url ?? "/", "http://localhost");
    // Phoenix checks the origin before looking at the method, on every request.
    if (!this.mount.checkOrigin(req)) {
      sendJson(res, { status: 403 });
      return;
    }
    switch (req.method) {
      case "OPTIONS":
        sendPreflight(req, res);
        return;
      case "GET":
        return this.poll(req, res, uri, pathParams);
      case "POST":
        return this.publish(req, res, uri);
      default:
        res.writeHead(400, { "access-control-allow-origin": "*" }).end();
    }
  }

  /** GET: the session's buffered messages, or a new session when the token names none. */
  private async poll(req: IncomingMessage, res: ServerResponse, uri: URL, pathParams: Record<string, string>): Promise<void> {
    const token = requestToken(req, uri);
    const ref = this.verifyToken(token);
    if (ref !== null && token !== null) {
      if (ref.node === this.nodeName) {
        const session = this.sessions.get(ref.sid);
        if (session !== undefined) {
          this.listen(res, token, (answer) => session.poll(answer));
          return;
        }
      } else {
        const outcome = await this.pollRemote(res, ref);
        if (outcome === null) return;
        if (outcome !== "gone") {
          sendPoll(res, outcome, token);
          return;
        }
      }
    }
    await this.newSession(req, res, pathParams);
  }

  /** Answers `res` once; a client that leaves first withdraws its poll, so no message is lost to it. */
  private listen(res: ServerResponse, token: string, start: (answer: (outcome: PollOutcome) => void) => () => void): void {
    let done = false;
    const cancel = start((outcome) => {
      if (done) return;
      done = true;
      sendPoll(res, outcome, token);
    });
    if (!done) {
      res.once("close", () => {
        if (done) return;
        done = true;
        cancel();
      });
    }
  }

  /** null: the client left while we waited. */
  private async pollRemote(res: ServerResponse, ref: SessionRef): Promise<PollOutcome | "gone" | null> {
    let left = false;
    let cancel = () => {};
    const onClose = () => {
      if (res.writableFinished) return;
      left = true;
      cancel();
    };
    res.once("close", onClose);
    const result = await this.cluster.poll(ref.node, ref.sid, (c) => {
      cancel = c;
    });
    res.off("close", onClose);
    if (left) return null;
    return result === "late" ? { status: 204 } : result;
  }

  private async newSession(req: IncomingMessage, res: ServerResponse, pathParams: Record<string, string>): Promise<void> {
    const header = req.headers["x-phoenix-authtoken"];
    const authToken = typeof header === "string" ? header : undefined;
    const admission = await this.mount.connect(this.mount.connectRequest(req, "longpoll", pathParams, authToken));
    if (!admission.ok) {
      // Phoenix answers every refused connect with {"status":403}. A node that is draining or over
      // its connect rate (503) answers as the WebSocket does: phoenix.js reads a non-JSON body as
      // status 0 and retries with backoff, where a 403 would read as a final "forbidden".
      if (admission.status === 403) sendJson(res, { status: 403 });
      else res.writeHead(admission.status, { "access-control-allow-origin": "*", ...admission.headers }).end(admission.body ?? "");
      return;
    }
    if (this.closed || this.mount.runtime.draining || res.destroyed) {
      // The node began to stop while connect ran. An empty body reads as status 0 in phoenix.js,
      // which retries (on another node, behind a balancer).
      if (!res.destroyed) res.writeHead(503, { "access-control-allow-origin": "*", "retry-after": "5" }).end();
      return;
    }
    const sid = randomBytes(18).toString("base64url");
    const session = new LongPollSession(sid, this.settings, this.logger, (s) => this.sessionEnded(s));
    this.sessions.set(sid, session);
    session.connection = admission.start(session);
    session.onSlow = (connection, buffered, limit, unit) => closeSlowConsumer(this.mount.runtime, connection, buffered, limit, unit);
    this.sweeper.add(this);
    const token = this.tokens.sign(this.salt, [TOKEN_VERSION, this.nodeName, sid], { maxAge: TOKEN_MAX_AGE });
    this.logger.debug({ session: sid, socket: this.mount.socket.name }, `long-poll session ${sid} started`);
    sendJson(res, { status: 410, token, messages: [] });
  }

  /** POST: dispatches every frame of the body to the session's connection, then `{"status":200}`. */
  private async publish(req: IncomingMessage, res: ServerResponse, uri: URL): Promise<void> {
    const ref = this.verifyToken(requestToken(req, uri));
    const local = ref?.node === this.nodeName ? this.sessions.get(ref.sid) : undefined;
    if (ref === null || (ref.node === this.nodeName && local === undefined)) {
      sendJson(res, { status: 410 });
      return;
    }
    let frames: InboundFrame[];
    try {
      frames = parseBody(await this.readBody(req), req.headers["content-type"]);
    } catch (err) {
      if (!(err instanceof BadRequest)) throw err;
      this.logger.warn({ socket: this.mount.socket.name }, `long-poll: refused a POST: ${err.message}`);
      sendBadRequest(res, err);
      return;
    }
    const status = local !== undefined ? await local.dispatch(frames) : await this.cluster.publish(ref.node, ref.sid, frames);
    sendJson(res, { status: status === "gone" ? 410 : status === "late" ? 408 : status });
  }

  private async readBody(req: IncomingMessage): Promise<Buffer> {
    const limit = this.settings.maxBodyBytes;
    const tooLarge = () => new BadRequest(413, `long-poll request body larger than ${limit} bytes (maxBodyBytes)`);
    if (Number(req.headers["content-length"] ?? 0) > limit) throw tooLarge();
    try {
      return await readBody(req, limit);
    } catch (err) {
      throw err instanceof BodyTooLargeError ? tooLarge() : err;
    }
  }

  private verifyToken(token: string | null): SessionRef | null {
    if (token === null) return null;
    const result = this.tokens.verify<unknown>(this.salt, token, { maxAge: TOKEN_MAX_AGE });
    if (!result.ok) return null;
    const data = result.data;
    if (!Array.isArray(data) || data.length !== 3 || data[0] !== TOKEN_VERSION) return null;
    const [, node, sid] = data;
    return typeof node === "string" && typeof sid === "string" ? { node, sid } : null;
  }

  private sessionEnded(session: LongPollSession): void {
    if (this.sessions.get(session.id) === session) this.sessions.delete(session.id);
    this.logger.debug({ session: session.id }, `long-poll session ${session.id} ended`);
  }

  private sweep(): void {
    const now = Date.now();
    const limit = this.settings.windowMs * 1.5;
    for (const session of [...this.sessions.values()]) {
      if (!session.idleLongerThan(limit, now)) continue;
      this.logger.info({ session: session.id, socket: this.mount.socket.name }, `long-poll session ${session.id} ended: no poll for over ${limit}ms`);
      this.endSession(session, "inactive");
    }
    if (this.sessions.size === 0) this.sweeper.clear();
  }

  private endSession(session: LongPollSession, why: string): void {
    if (session.connection) void session.connection.close(CloseCode.GOING_AWAY, why, { shutdown: why });
    else session.close(CloseCode.GOING_AWAY, why);
  }

  close(): void {
    this.closed = true;
    this.sweeper.clear();
    this.cluster.close();
    for (const session of [...this.sessions.values()]) this.endSession(session, "shutdown");
  }
}
