// A private nats-server per test file, on a free port, so runs never touch the machine's own NATS.
// Needs the `nats-server` binary (Debian package nats-server; `npm test`'s pretest installs it).
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { connect } from "node:net";
import type { TestBroker } from "./adapter_contract.js";
import { freePort } from "./redis.js";

function natsServerPath(): string {
  try {
    return execFileSync("sh", ["-c", "command -v nats-server || ls /usr/sbin/nats-server"], { encoding: "utf8" }).trim().split("\n")[0];
  } catch {
    throw new Error("nats-server is not installed: run `bash scripts/ensure-tools.sh nats-server:nats-server`");
  }
}

/** Resolves once the server greets a TCP client with its INFO line. */
async function waitReady(port: number, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("data", (d) => {
        socket.destroy();
        resolve(d.toString().startsWith("INFO"));
      });
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nats-server on ${port} did not start within ${timeoutMs}ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startNats(): Promise<TestBroker & { port: number }> {
  const binary = natsServerPath();
  const port = await freePort();
  let child: ChildProcess | undefined;
  const launch = async () => {
    child = spawn(binary, ["-a", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
    await waitReady(port);
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
    url: `nats://127.0.0.1:${port}`,
    stop: kill,
    async restart(downMs = 200) {
      await kill();
      await new Promise((r) => setTimeout(r, downMs));
      await launch();
    },
  };
}
