// The HTTP trigger shared by the Socket.IO and raw ws servers: `POST /broadcast` with
// `{"topic","event","payload"}`, the same body Fenix's publish API takes, so every server parses
// the same JSON per published message.
import type { IncomingMessage, ServerResponse } from "node:http";

export interface Publish {
  topic: string;
  event: string;
  payload: unknown;
}

const MAX_BODY = 1024 * 1024;

export function broadcastHandler(publish: (msg: Publish) => void) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method !== "POST" || req.url !== "/broadcast") {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) req.destroy();
      else chunks.push(chunk);
    });
    req.on("end", () => {
      let msg: Publish;
      try {
        msg = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Publish;
      } catch {
        res.writeHead(400).end();
        return;
      }
      if (typeof msg?.topic !== "string" || typeof msg.event !== "string") {
        res.writeHead(400).end();
        return;
      }
      publish(msg);
      res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
    });
  };
}

/** SIGTERM/SIGINT end the process normally (so `--cpu-prof` can write its profile). */
export function exitOnSignals(): void {
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => process.exit(0));
}
