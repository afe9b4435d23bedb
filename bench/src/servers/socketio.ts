// The Socket.IO 4.8 server, written the way its documentation suggests: default options
// (perMessageDeflate is already off by default), a room per topic, `io.to(room).emit` to fan out.
//   `join` (room, ack)     → socket.join(room); ack({})
//   `echo` (payload, ack)  → ack(payload)
// With REDIS_URL (the cluster scenario), `@socket.io/redis-adapter` on ioredis, as its docs set it up.
import { createServer } from "node:http";
import { createAdapter } from "@socket.io/redis-adapter";
import { Redis } from "ioredis";
import { Server } from "socket.io";
import { broadcastHandler, exitOnSignals } from "./http.js";

const port = Number(process.env.PORT ?? 4001);
let io: Server | undefined;
const httpServer = createServer(broadcastHandler((msg) => io?.to(msg.topic).emit(msg.event, msg.payload)));
io = new Server(httpServer);
if (process.env.REDIS_URL) {
  const pub = new Redis(process.env.REDIS_URL);
  const sub = pub.duplicate();
  io.adapter(createAdapter(pub, sub));
}

io.on("connection", (socket) => {
  socket.on("join", (room: unknown, ack: unknown) => {
    if (typeof room === "string") void socket.join(room);
    if (typeof ack === "function") ack({});
  });
  socket.on("echo", (payload: unknown, ack: unknown) => {
    if (typeof ack === "function") ack(payload);
  });
});

exitOnSignals();
httpServer.listen(port, "127.0.0.1", () => process.stderr.write(`socket.io server on ${port}\n`));
