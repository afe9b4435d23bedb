// Raw HTTP helpers: a hand-made WebSocket upgrade request and the publish API.
import { createHash, randomBytes } from "node:crypto";
import { request } from "node:http";
import type { IncomingHttpHeaders } from "node:http";

const WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

export interface UpgradeResult {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  key: string;
}

/** The Sec-WebSocket-Accept a correct server answers to `key` (RFC 6455 §4.2.2). */
export function expectedAccept(key: string): string {
  return createHash("sha1")
    .update(key + WS_GUID)
    .digest("base64");
}

/**
 * Sends a GET with WebSocket upgrade headers to 127.0.0.1:`port` and reports the status.
 * `headers` may override any header, including Host and Origin. The socket is destroyed after.
 */
export function rawUpgrade(port: number, path: string, headers: Record<string, string> = {}, timeoutMs = 2_000): Promise<UpgradeResult> {
  const key = randomBytes(16).toString("base64");
  return new Promise((resolve, reject) => {
    const req = request({
      host: "127.0.0.1",
      port,
      path,
      method: "GET",
      headers: {
        connection: "Upgrade",
        upgrade: "websocket",
        "sec-websocket-version": "13",
        "sec-websocket-key": key,
        ...headers,
      },
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no upgrade answer within ${timeoutMs} ms`));
    }, timeoutMs);
    req.on("upgrade", (res, socket) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: "", key });
    });
    req.on("response", (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, key });
      });
    });
    req.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end();
  });
}

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

async function result(res: Response): Promise<HttpResult> {
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** `POST /api/broadcast`; `body` is JSON-encoded unless it is already a string. `apiKey: null` sends no Authorization. */
export async function publish(base: string, apiKey: string | null, body: unknown, timeoutMs = 2_000): Promise<HttpResult> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (apiKey !== null) headers.authorization = `Bearer ${apiKey}`;
  const res = await fetch(`${base}/api/broadcast`, {
    method: "POST",
    headers,
    body: typeof body === "string" ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  return result(res);
}

export async function httpGet(url: string, timeoutMs = 2_000, headers: Record<string, string> = {}): Promise<HttpResult> {
  return result(await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) }));
}
