// A real StatsD listener for tests (the book's statsd_logger): a UDP socket on a free port that
// keeps every metric line it receives.
import { type Socket, createSocket } from "node:dgram";

export interface StatsdListener {
  port: number;
  url: string;
  lines: string[];
  /** Resolves with the first line matching `pattern` (already received or arriving within `ms`). */
  waitFor(pattern: RegExp, ms?: number): Promise<string>;
  close(): Promise<void>;
}

export async function startStatsdListener(): Promise<StatsdListener> {
  const socket: Socket = createSocket("udp4");
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  socket.on("message", (msg) => {
    for (const line of msg.toString("utf8").split("\n")) if (line) lines.push(line);
    for (const w of waiters) w();
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const port = socket.address().port;
  return {
    port,
    url: `udp://127.0.0.1:${port}`,
    lines,
    waitFor(pattern, ms = 3_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = lines.find((l) => pattern.test(l));
          if (found === undefined) return;
          done();
          resolve(found);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no StatsD line matching ${pattern} within ${ms} ms; got:\n${lines.join("\n")}`));
        }, ms);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}
