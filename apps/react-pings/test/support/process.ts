// The built app (dist/server/main.js) as a child process, in production or development mode,
// ready once /api/stats answers.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { freePort } from "../../../../packages/fenix/test/support/redis.js";
import type { PingsStats } from "../../src/server/pings_server.js";

export const MAIN = fileURLToPath(new URL("../../dist/server/main.js", import.meta.url));
const CLIENT_BUILD = fileURLToPath(new URL("../../dist/client/index.html", import.meta.url));

export interface AppProcess {
  child: ChildProcess;
  base: string;
  output(): string;
  stats(): Promise<PingsStats>;
  stop(): Promise<void>;
}

export async function spawnApp(mode: "production" | "development"): Promise<AppProcess> {
  if (!existsSync(MAIN) || (mode === "production" && !existsSync(CLIENT_BUILD))) {
    throw new Error("apps/react-pings is not built: run npm run build -w apps/react-pings");
  }
  const port = await freePort();
  const args = mode === "development" ? [MAIN, "--dev"] : [MAIN];
  const child = spawn(process.execPath, args, { env: { ...process.env, PORT: String(port), LOG_LEVEL: "warn" }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout?.setEncoding("utf8").on("data", (s: string) => {
    out += s;
  });
  child.stderr?.setEncoding("utf8").on("data", (s: string) => {
    out += s;
  });
  const exit = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const base = `http://127.0.0.1:${port}`;
  const stats = async () => (await (await fetch(`${base}/api/stats`)).json()) as PingsStats;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`react-pings exited with ${child.exitCode}\n${out}`);
    try {
      await stats();
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`react-pings did not listen on ${port}\n${out}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    child,
    base,
    output: () => out,
    stats,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exit;
    },
  };
}
