// A private redis-server per test file, on a free port, so runs never collide with each other or
// with the machine's own Redis. Needs the `redis-server` binary (Debian package redis-server).
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createServer } from "node:net";
import { Redis } from "ioredis";

export interface TestRedis {
  port: number;
  url: string;
  stop(): Promise<void>;
  /** Kills the server and starts it again on the same port (state is lost: no persistence). */
  restart(downMs?: number): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function redisServerPath(): string {
  try {
    return execFileSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" }).trim();
  } catch {
    throw new Error("redis-server is not installed: run `bash scripts/ensure-tools.sh redis-server:redis-server`");
  }
}

async function waitReady(url: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on("error", () => {});
    try {
      await client.connect();
      await client.ping();
      client.disconnect();
      return;
    } catch {
      client.disconnect();
      if (Date.now() > deadline) throw new Error(`redis-server at ${url} did not start within ${timeoutMs}ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export async function startRedis(): Promise<TestRedis> {
  const binary = redisServerPath();
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const launch = async () => {
    child = spawn(binary, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
    await waitReady(url);
  };
  const kill = () =>
    new Promise<void>((resolve) => {
      const c = child;
      child = undefined;
      if (!c || c.exitCode !== null) return resolve();
      c.once("exit", () => resolve());
      c.kill("SIGKILL");
    });
  await launch();
  return {
    port,
    url,
    stop: kill,
    async restart(downMs = 200) {
      await kill();
      await new Promise((r) => setTimeout(r, downMs));
      await launch();
    },
  };
}
