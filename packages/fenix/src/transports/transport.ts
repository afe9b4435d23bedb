import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { Runtime } from "../runtime/runtime.js";
import type { CompiledSocket } from "../socket/compile.js";
import type { ConnectOutcome, ConnectRequest } from "../socket/connect.js";

export type { TransportSession } from "../socket/session.js";

/**
 * What a transport gets from the socket it serves — Phoenix's `Phoenix.Socket.Transport`
 * contract, seen from the transport: check the origin, build the params, ask the socket to
 * `connect`, then feed the connection frames and write what it sends.
 */
export interface Mount {
  readonly runtime: Runtime;
  readonly socket: CompiledSocket;
  /** The socket's mount path, e.g. "/socket". */
  readonly path: string;
  /** This transport's route, e.g. "/socket/websocket". */
  readonly route: string;
  /** The socket's origin check (`checkOrigin`); a refusal is logged here, once. */
  checkOrigin(req: IncomingMessage): boolean;
  /** Query params plus path params, and the lazily built `connectInfo`. */
  connectRequest(req: IncomingMessage, transport: string, pathParams: Record<string, string>, authToken?: string): ConnectRequest;
  /** The socket's connect: node admission, serializer negotiation, `connect`, `id`. */
  connect(request: ConnectRequest): Promise<ConnectOutcome>;
}

/**
 * A transport serving one route under a socket mount. It implements `handleRequest`,
 * `handleUpgrade`, or both; the endpoint routes `<mount><path>` to it and calls `close` when
 * it shuts down (after every connection was closed).
 */
export interface Transport {
  handleRequest?(req: IncomingMessage, res: ServerResponse, pathParams: Record<string, string>): Promise<void> | void;
  handleUpgrade?(req: IncomingMessage, socket: Duplex, head: Buffer, pathParams: Record<string, string>): Promise<void> | void;
  close(): void;
}

/**
 * What `endpoint.socket(path, Socket, { transports: [...] })` lists: a named transport, its
 * path under the mount, and how to build it for one mount.
 *
 * @example
 * // A transport that answers every WebSocket message with itself (Phoenix's EchoSocket):
 * // see packages/fenix/examples/echo_transport.ts, mounted as
 * endpoint.socket("/echo", EchoSocket, { transports: [echo()] });   // ws://host/echo/websocket
 */
export interface TransportFactory {
  readonly name: string;
  /** Path under the socket mount (e.g. "/websocket"); may contain `:name` segments. */
  readonly path: string;
  create(mount: Mount): Transport;
}

/** A custom answer to a refused connect, e.g. `{ status: 429, body: "Too many requests" }`. */
export interface ErrorResponse {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

/** Turns a `connect` refusal reason (from `error(reason)`) into a response; default 403. */
export type ErrorHandler = (reason: unknown, req: IncomingMessage) => ErrorResponse;

/** The refusal to send for a failed connect, through the transport's error handler when it has one. */
export function refusal(outcome: ConnectOutcome & { ok: false }, req: IncomingMessage, errorHandler?: ErrorHandler): ErrorResponse {
  if (outcome.reason !== undefined && errorHandler) return errorHandler(outcome.reason, req);
  return { status: outcome.status, body: outcome.body, headers: outcome.headers };
}
