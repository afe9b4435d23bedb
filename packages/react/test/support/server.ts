// A real Fenix endpoint for the hook tests: small channels whose joins, leaves and connections
// are recorded, so tests can check what the server saw rather than what the hooks believe.
import { Endpoint, createLogger, defineChannel, defineSocket, error, ok } from "fenix";

export interface TestServer {
  endpoint: Endpoint;
  url: string;
  /** The same socket mounted at a second path. */
  otherUrl: string;
  /** `join:<topic>` and `terminate:<topic>` in the order the server ran them. */
  events: string[];
  /** Connections accepted since start. */
  connects(): number;
  /** Channels joined right now, over all connections. */
  channelCount(): number;
  /** Waits until every connection is gone (unmounted providers close theirs), then clears `events`. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

export async function startTestServer(): Promise<TestServer> {
  const events: string[] = [];
  let connects = 0;

  const RoomChannel = defineChannel({
    name: "RoomChannel",
    join(topic) {
      events.push(`join:${topic}`);
      return ok({ welcome: topic });
    },
    handleIn: {
      echo: (payload) => ok(payload),
      refuse: () => error({ reason: "refused" }),
      silent: () => undefined,
      poke: (payload, socket) => {
        socket.push("poked", payload);
        return ok({});
      },
    },
    terminate(_reason, socket) {
      events.push(`terminate:${socket.topic}`);
    },
  });

  const PrivateChannel = defineChannel({
    name: "PrivateChannel",
    join(topic) {
      events.push(`refused:${topic}`);
      return error({ reason: "unauthorized" });
    },
  });

  const PresenceChannel = defineChannel<{ name?: string }>({
    name: "PresenceChannel",
    join(topic, payload, socket) {
      events.push(`join:${topic}`);
      socket.assign("name", String((payload as { name?: unknown }).name ?? "anonymous"));
      socket.send("after_join");
    },
    async handleInfo(_message, socket) {
      await socket.presence.pushState(socket);
      socket.presence.track(socket, socket.assigns.name ?? "anonymous", { name: socket.assigns.name });
    },
    terminate(_reason, socket) {
      events.push(`terminate:${socket.topic}`);
    },
  });

  const TestSocket = defineSocket({
    name: "TestSocket",
    channels: [
      ["room:*", RoomChannel],
      ["private:*", PrivateChannel],
      ["presence:*", PresenceChannel],
    ],
    connect() {
      connects += 1;
    },
    id: () => null,
  });

  const endpoint = new Endpoint({ checkOrigin: false, presence: true, logger: createLogger({ name: "react-test", level: "warn" }) });
  endpoint.socket("/socket", TestSocket);
  endpoint.socket("/other_socket", TestSocket);
  const server = await endpoint.listen(0, "127.0.0.1");
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    endpoint,
    url: `ws://127.0.0.1:${port}/socket`,
    otherUrl: `ws://127.0.0.1:${port}/other_socket`,
    events,
    connects: () => connects,
    channelCount: () => {
      let count = 0;
      for (const connection of endpoint.connections) count += connection.channels.size;
      return count;
    },
    async settled() {
      const deadline = Date.now() + 5_000;
      while (endpoint.connections.size > 0) {
        if (Date.now() > deadline) throw new Error(`${endpoint.connections.size} connection(s) still open after the test`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      events.length = 0;
    },
    close: () => endpoint.close(),
  };
}
