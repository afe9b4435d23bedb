import type { IncomingMessage } from "node:http";
import type { Endpoint } from "../endpoint.js";
import { negotiateSerializer } from "../serializer/negotiate.js";
import type { Serializer } from "../serializer/types.js";
import { Connection } from "../socket/connection.js";
import { ConnectSocket } from "../socket/handler.js";
import type { SocketHandler } from "../socket/handler.js";
import { compileOriginCheck } from "./origin.js";
import type { CheckOrigin } from "./origin.js";
import { connectInfo, parseQuery, redactParams } from "./params.js";
import type { TransportSession } from "./transport.js";

/** A socket handler mounted at a path, shared by its transports. */
export interface MountContext {
  endpoint: Endpoint;
  handler: SocketHandler<any>;
  path: string;
  originCheck: ReturnType<typeof compileOriginCheck>;
}

export function mountContext(endpoint: Endpoint, handler: SocketHandler<any>, path: string, checkOrigin: CheckOrigin, host?: string): MountContext {
  return { endpoint, handler, path, originCheck: compileOriginCheck(checkOrigin, host) };
}

export type Admission =
  | { ok: true; protocol?: string; start(session: TransportSession): Connection }
  | { ok: false; status: number; body?: string; headers?: Record<string, string> };

/**
 * Phoenix's admission pipeline, shared by every transport: origin check, serializer
 * negotiation from `vsn`, the handler's `connect` and `id`. Only then is a session opened.
 */
export interface AdmissionOptions {
  transport: string;
  pathParams: Record<string, string>;
  authToken?: string;
  errorHandler?: (reason: unknown, req: IncomingMessage) => { status: number; body?: string; headers?: Record<string, string> };
  /** Transports with their own framing (SSE) bring their serializer instead of negotiating `vsn`. */
  serializer?: Serializer;
}

export async function acceptConnection(mount: MountContext, req: IncomingMessage, options: AdmissionOptions): Promise<Admission> {
  const { transport, pathParams, authToken, errorHandler } = options;
  const { endpoint, handler } = mount;
  const logger = endpoint.logger;
  const refusal = endpoint.admissionRefusal();
  if (refusal) return { ok: false, ...refusal };
  const started = performance.now();
  const uri = new URL(req.url ?? "/", `http://${req.headers.host ?? "localhost"}`);
  if (!mount.originCheck(req.headers.origin, req)) {
    logger.error(
      { origin: req.headers.origin, socket: handler.name },
      `Could not check origin for ${handler.name} transport: origin ${req.headers.origin} is not allowed`,
    );
    return { ok: false, status: 403 };
  }
  const params = { ...parseQuery(uri.search), ...pathParams };
  const serializer = options.serializer ?? negotiateSerializer(params.vsn);
  if (serializer === null) {
    logger.warn(
      { vsn: params.vsn, socket: handler.name },
      `The client's requested transport version ${JSON.stringify(params.vsn)} does not match server's version requirements of ~> 1.0.0 or ~> 2.0.0`,
    );
    return { ok: false, status: 403 };
  }
  const socket = new ConnectSocket(endpoint, transport);
  const info = connectInfo(req, transport, uri, authToken);
  let result: Awaited<ReturnType<SocketHandler["connect"]>>;
  let id: string | null;
  try {
    result = await handler.connect(params, socket, info);
    id = result.ok ? handler.id(socket) : null;
  } catch (err) {
    logger.error({ err, socket: handler.name }, `an exception was raised in ${handler.name}.connect: ${(err as Error)?.message ?? err}`);
    return { ok: false, status: 403 };
  }
  // The node may have begun draining while connect ran: don't open a connection it would have to close.
  const late = result.ok ? endpoint.admissionRefusal(true) : null;
  if (late) return { ok: false, ...late };
  // Building the log line costs more than the rest of a connect: only when it will be written.
  const logInfo = logger.isLevelEnabled("info");
  const ms = logInfo ? (performance.now() - started).toFixed(2) : "";
  const logged = logInfo ? { socket: handler.name, transport, serializer: serializer.name, params: redactParams(params), ms } : {};
  if (!result.ok) {
    if (logInfo) logger.info(logged, `REFUSED CONNECTION TO ${handler.name} in ${ms}ms`);
    if (result.reason !== undefined && errorHandler) {
      const response = errorHandler(result.reason, req);
      return { ok: false, status: response.status, body: response.body, headers: response.headers };
    }
    return { ok: false, status: 403 };
  }
  if (logInfo) logger.info(logged, `CONNECTED TO ${handler.name} in ${ms}ms`);
  return {
    ok: true,
    start: (session) => new Connection(endpoint, handler, serializer, session, socket.assigns, id, logger),
  };
}
