import { Reply } from "../channel/results.js";
import type { Runtime } from "../runtime/runtime.js";
import { describeTable, negotiateSerializer } from "../serializer/negotiate.js";
import type { Serializer } from "../serializer/serializer.js";
import { telemetry } from "../util/telemetry.js";
import type { CompiledSocket } from "./compile.js";
import { ConnectSocket } from "./connect_socket.js";
import { Connection } from "./connection.js";
import type { ConnectInfo } from "./definition.js";
import type { TransportSession } from "./session.js";

/** What a transport hands the socket once it has checked origin and subprotocols. */
export interface ConnectRequest {
  /** The transport's name ("websocket", "longpoll", "sse", …). */
  transport: string;
  /** Query and path params, as `connect` receives them (`vsn` among them). */
  params: Record<string, any>;
  info: ConnectInfo;
  /** Transports with their own framing (SSE) bring their serializer instead of negotiating `vsn`. */
  serializer?: Serializer;
}

export type ConnectOutcome =
  | { ok: true; serializer: Serializer; start(session: TransportSession): Connection }
  /** `reason`: what `connect` refused with (`error(reason)`), for the transport's error handler. */
  | { ok: false; status: number; body?: string; headers?: Record<string, string>; reason?: unknown };

const SECRET = /token|password|secret/i;

/** Connect params as they may appear in logs. */
export function redactParams(params: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) out[key] = SECRET.test(key) ? "[FILTERED]" : value;
  return out;
}

/**
 * Phoenix's `Socket.connect/3`, the same for every transport: the node's admission (drain,
 * connect rate), serializer negotiation from `vsn`, the socket's `connect` and `id`. Only then
 * does the transport open a session and `start` the connection on it.
 */
export async function connectSocket(
  runtime: Runtime,
  socket: CompiledSocket,
  request: ConnectRequest,
  options: { admission?: boolean } = {},
): Promise<ConnectOutcome> {
  const admission = options.admission ?? true;
  const refusal = admission ? runtime.admit() : null;
  if (refusal) return { ok: false, ...refusal };
  const started = performance.now();
  const { params, transport } = request;
  const logger = runtime.logger;
  const serializer = request.serializer ?? negotiateSerializer(params.vsn, socket.serializers);
  if (serializer === null) {
    logger.warn(
      { vsn: params.vsn, socket: socket.name },
      `The client's requested transport version ${JSON.stringify(params.vsn)} does not match server's version requirements of ${describeTable(socket.serializers)}`,
    );
    return { ok: false, status: 403 };
  }
  const connectSocket = new ConnectSocket(runtime, transport);
  const definition = socket.definition;
  const publish = (status: "ok" | "refused" | "error", error?: unknown) => {
    if (!telemetry.connect.hasSubscribers) return;
    let redacted: Record<string, unknown> | undefined;
    telemetry.connect.publish({
      runtime,
      socket: socket.name,
      transport,
      serializer: serializer.name,
      status,
      durationMs: performance.now() - started,
      get params() {
        redacted ??= redactParams(params);
        return redacted;
      },
      error,
    });
  };
  let accepted = true;
  let reason: unknown;
  let id: string | null = null;
  try {
    const result = definition.connect ? await definition.connect(params, connectSocket, request.info) : undefined;
    if (result === false) accepted = false;
    else if (result instanceof Reply && result.status !== "ok") {
      accepted = false;
      reason = result.response;
    }
    if (accepted) {
      const named = definition.id?.(connectSocket);
      if (named !== undefined && named !== null && typeof named !== "string") {
        throw new TypeError(`${socket.name}.id must return a string or null, got ${typeof named}`);
      }
      id = named ?? null;
    }
  } catch (err) {
    publish("error", err);
    return { ok: false, status: 403 };
  }
  // The node may have begun draining while connect ran: don't open a connection it would have to close.
  const late = accepted && admission ? runtime.admit(true) : null;
  if (late) return { ok: false, ...late };
  publish(accepted ? "ok" : "refused");
  if (!accepted) return { ok: false, status: 403, reason };
  const assigns = connectSocket.assigns;
  return { ok: true, serializer, start: (session) => new Connection(runtime, socket, serializer, session, assigns, id) };
}
