// The raw `ws` baseline: the least a server can do per broadcast. It frames each message once and
// writes that one Buffer to every subscriber's TCP socket, skipping ws's per-send framing.
// Wire format (JSON text frames):
//   client → {"t":"join","ref":1,"topic":"x"}   server → {"ref":1}
//   client → {"t":"echo","ref":2,"payload":{…}} server → {"ref":2,"payload":{…}}
//   server → {"topic":"x","event":"msg","payload":{…}} for a broadcast
// Heartbeats are WebSocket pings from the client, which ws answers by itself.
import { createServer } from "node:http";
import type { Socket } from "node:net";
import * as wsModule from "ws";
import { WebSocket, WebSocketServer } from "ws";
import { broadcastHandler, exitOnSignals } from "./http.js";

const port = Number(process.env.PORT ?? 4002);
const topics = new Map<string, Set<WebSocket>>();
// ws's framing function (exported by ws's ESM entry, missing from @types/ws).
type FrameOptions = { fin: boolean; opcode: number; mask: boolean; readOnly: boolean; rsv1: boolean };
const Sender = (wsModule as unknown as { Sender: { frame(data: Buffer, options: FrameOptions): Buffer[] } }).Sender;

function publish(topic: string, event: string, payload: unknown): void {
  const subscribers = topics.get(topic);
  if (!subscribers) return;
  const data = Buffer.from(JSON.stringify({ topic, event, payload }));
  const frame = Buffer.concat(Sender.frame(data, { fin: true, opcode: 1, mask: false, readOnly: false, rsv1: false }));
  for (const ws of subscribers) {
    // Writing under ws is safe here because without permessage-deflate its Sender never queues:
    // every ws.send() has already reached the socket, so frames cannot interleave.
    if (ws.readyState === WebSocket.OPEN) (ws as unknown as { _socket: Socket })._socket.write(frame);
  }
}

const httpServer = createServer(broadcastHandler((msg) => publish(msg.topic, msg.event, msg.payload)));
const wss = new WebSocketServer({ server: httpServer, perMessageDeflate: false, clientTracking: false });

wss.on("connection", (ws) => {
  const joined = new Set<string>();
  ws.on("message", (data) => {
    let msg: { t?: string; ref?: number; topic?: string; payload?: unknown };
    try {
      msg = JSON.parse(String(data));
    } catch {
      ws.close(1003);
      return;
    }
    if (msg.t === "join" && typeof msg.topic === "string") {
      let set = topics.get(msg.topic);
      if (!set) topics.set(msg.topic, (set = new Set()));
      set.add(ws);
      joined.add(msg.topic);
      ws.send(`{"ref":${Number(msg.ref)}}`);
    } else if (msg.t === "echo") {
      ws.send(`{"ref":${Number(msg.ref)},"payload":${JSON.stringify(msg.payload ?? null)}}`);
    }
  });
  ws.on("close", () => {
    for (const topic of joined) {
      const set = topics.get(topic);
      set?.delete(ws);
      if (set?.size === 0) topics.delete(topic);
    }
  });
});

exitOnSignals();
httpServer.listen(port, "127.0.0.1", () => process.stderr.write(`ws server on ${port}\n`));
