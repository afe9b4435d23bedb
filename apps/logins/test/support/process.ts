// The built app (apps/logins/dist/main.js) as a child process, ready once it answers HTTP.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freePort } from "../../../../packages/fenix/test/support/redis.js";

export const MAIN = fileURLToPath(new URL("../../dist/main.js", import.meta.url));

export interface AppProcess {
  child: ChildProcess;
  base: string;
  output(): string;
  stop(): Promise<void>;
}

export async function spawnApp(env: Record<string, string> = {}): Promise<AppProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], { env: { ...process.env, PORT: String(port), ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout?.setEncoding("utf8").on("data", (s: string) => {
    out += s;
  });
  child.stderr?.setEncoding("utf8").on("data", (s: string) => {
    out += s;
  });
  const exit = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`logins exited with ${child.exitCode}\n${out}`);
    try {
      await fetch(`${base}/api/users`);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`logins did not listen on ${port}\n${out}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return {
    child,
    base,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exit;
    },
  };
}
