// Runs the built app (apps/hello/dist/main.js) as a child process.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";

export const MAIN = fileURLToPath(new URL("../../dist/main.js", import.meta.url));

/** A port that was free a moment ago (listen on 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface HelloProcess {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or signal) once the process has exited; rejects after `ms`. */
  exited(ms?: number): Promise<number | string>;
  /** SIGTERM, then SIGKILL if it has not exited within `ms`. */
  stop(ms?: number): Promise<number | string>;
}

/** Starts main.js with `env` on top of this process's environment (logs printed, so readiness is visible). */
export function spawnHello(env: Record<string, string | undefined>): HelloProcess {
  const merged: NodeJS.ProcessEnv = { ...process.env, FENIX_LOG_PRINT: "1", LOG_LEVEL: "info" };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete merged[k];
    else merged[k] = v;
  }
  const child = spawn(process.execPath, [MAIN], { env: merged, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout?.setEncoding("utf8").on("data", (s: string) => {
    out += s;
  });
  child.stderr?.setEncoding("utf8").on("data", (s: string) => {
    out += s;
  });
  const exit = new Promise<number | string>((resolve) => {
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown"));
  });
  const exited = (ms = 5_000) =>
    new Promise<number | string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`process did not exit within ${ms} ms\n${out}`)), ms);
      void exit.then((code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
  return {
    child,
    output: () => out,
    exited,
    async stop(ms = 5_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exit;
      child.kill("SIGTERM");
      try {
        return await exited(ms);
      } catch {
        child.kill("SIGKILL");
        return exited(2_000);
      }
    },
  };
}

/** Waits until `port` answers HTTP (the app's 404 for an unknown path is fine). */
export async function waitListening(proc: HelloProcess, port: number, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`process exited with ${proc.child.exitCode}\n${proc.output()}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/not-found`, { signal: AbortSignal.timeout(500) });
      await res.text();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`port ${port} not listening within ${ms} ms\n${proc.output()}`);
}
