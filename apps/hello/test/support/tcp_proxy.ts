// A TCP proxy between one node and Redis, to cut that node off the network and heal it again
// while everything else (the other nodes, Redis itself, the clients) keeps running.
import { connect, createServer } from "node:net";
import type { AddressInfo, Socket } from "node:net";

export interface TcpProxy {
  /** The port the proxy listens on (127.0.0.1). */
  port: number;
  /** `redis://127.0.0.1:<port>`-style URL for a given scheme. */
  url(scheme?: string): string;
  /** Live client↔target pairs. */
  readonly live: number;
  /** Connections accepted since start (a reconnecting client shows up here). */
  readonly accepted: number;
  /** True between `cut()` and `heal()`. */
  readonly isCut: boolean;
  /**
   * Destroys every live connection (both sides) and, until `heal()`, refuses new ones
   * (`"refuse"`: accepted and reset at once) or holds them unanswered (`"hold"`: they go through on heal).
   */
  cut(mode?: "refuse" | "hold"): void;
  /** Accepts and forwards again; held connections are forwarded now. */
  heal(): void;
  close(): Promise<void>;
}

export function startTcpProxy(targetPort: number, targetHost = "127.0.0.1"): Promise<TcpProxy> {
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  const held: Socket[] = [];
  let mode: "open" | "refuse" | "hold" = "open";
  let accepted = 0;

  const forward = (client: Socket) => {
    const upstream = connect(targetPort, targetHost);
    const pair = { client, upstream };
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    client.pipe(upstream);
    upstream.pipe(client);
  };

  const server = createServer((client) => {
    accepted += 1;
    client.setNoDelay(true);
    if (mode === "refuse") {
      client.on("error", () => {});
      client.resetAndDestroy();
      return;
    }
    if (mode === "hold") {
      client.on("error", () => {});
      held.push(client);
      return;
    }
    forward(client);
  });

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      const port = (server.address() as AddressInfo).port;
      resolve({
        port,
        url: (scheme = "redis") => `${scheme}://127.0.0.1:${port}`,
        get live() {
          return pairs.size;
        },
        get accepted() {
          return accepted;
        },
        get isCut() {
          return mode !== "open";
        },
        cut(how = "refuse") {
          mode = how;
          for (const { client, upstream } of [...pairs]) {
            // A reset, not a FIN: the node sees the connection die as on a real network failure.
            client.resetAndDestroy();
            upstream.destroy();
          }
          pairs.clear();
        },
        heal() {
          mode = "open";
          for (const client of held.splice(0)) if (!client.destroyed) forward(client);
        },
        close() {
          mode = "refuse";
          for (const { client, upstream } of [...pairs]) {
            client.destroy();
            upstream.destroy();
          }
          for (const client of held.splice(0)) client.destroy();
          return new Promise<void>((done) => server.close(() => done()));
        },
      });
    });
  });
}
